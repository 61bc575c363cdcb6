"""The packages under service/ form layers: no import cycle, and no domain imports another domain.

Read with ast (every import, at module level or inside a function), so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SERVICE = Path(__file__).parent.parent / "service"
DOMAINS = {"compensation", "trusts", "shares", "patrols", "certifications", "grievances", "roots"}
# parties is the documented shared service; auth, ledger and pages are infrastructure; reports reads
# every domain; web, console and ops sit on top.


def package_graph() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the files that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in SERVICE.rglob("*.py"):
        parts = path.relative_to(SERVICE).parts
        if len(parts) < 2:
            continue  # the composition root and core modules (app.py, cli.py, db.py, ...)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                bits = name.split(".")
                if bits[0] == "service" and len(bits) > 1 and (SERVICE / bits[1]).is_dir() and bits[1] != parts[0]:
                    graph[parts[0]][bits[1]].add(str(path.relative_to(SERVICE.parent)))
    return graph


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_the_package_graph_has_no_cycle():
    graph = package_graph()
    edges = {a: set(targets) for a, targets in graph.items()}
    assert cycles(edges) == []


def test_no_domain_imports_another_domain():
    graph = package_graph()
    crossing = {(a, b): sorted(files) for a in DOMAINS for b, files in graph.get(a, {}).items() if b in DOMAINS}
    assert crossing == {}


def test_reports_never_import_web():
    assert "web" not in package_graph().get("reports", {})


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
