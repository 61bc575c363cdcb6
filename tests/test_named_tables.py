"""A lower package that needs a higher one's rows names the table and columns (`sqlalchemy.table(...)`)
instead of importing the model: every such name must be a real table and column of the models."""

from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy import Table
from sqlalchemy.sql import TableClause

from service import models  # noqa: F401  (registers every table)
from service.db import Base


def named_tables() -> dict[str, TableClause]:
    found = {}
    root = Path(models.__file__).parent
    for path in root.rglob("*.py"):  # (some packages have no __init__.py: pkgutil would skip them)
        name = ".".join(("service", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        for attr, value in vars(importlib.import_module(name)).items():
            if isinstance(value, TableClause) and not isinstance(value, Table):
                found[f"{name}.{attr}"] = value
    return found


def test_named_tables_and_columns_exist_in_the_models():
    found = named_tables()
    assert {"service.auth.parties.PARTIES", "service.parties.repository.Trust", "service.shares.service._TRUSTS"} <= set(found)
    wrong = [f"{where}: {t.name}.{c.name}" for where, t in found.items() for c in t.columns
             if t.name not in Base.metadata.tables or c.name not in Base.metadata.tables[t.name].c]
    assert wrong == []
