"""A statement's inclusion proofs come from one tree of published leaf hashes per process: a new head
extends it (only the new leaves read), a tree of another database is built anew, and every proof is
the one RFC 6962's construction gives over the published leaves."""

from __future__ import annotations

from service.roots import keys, leaves, merkle
from service.roots import service as roots
from tests.reports.demo import load_demo, pay


async def _publish(db, settings) -> int:
    async with db.writing() as s:
        return (await roots.publish(s, keys.load(settings.publishing_key))).tree_size


async def _proofs(client, auditor, party: int) -> list[dict]:
    doc = (await client.get(f"/api/v1/statements/{party}", headers=auditor)).json()
    return [line["proof"] for line in doc["lines"]]


async def _expected(db, proof: dict) -> list[str]:
    async with db.reading() as s:
        hashes = await leaves.published(s, proof["tree_size"])
    return [p.hex() for p in merkle.inclusion_proof(proof["leaf_index"], hashes)]


async def test_proofs_follow_new_heads_by_extending_one_tree(client, db, settings, auditor):
    demo = await load_demo(db, settings)
    refs, actors = demo["refs"], demo["actors"]
    hh = refs["hh-daitang-2"]
    roots._Published.tree = merkle.Tree([merkle.leaf_hash(b"another database")] * 3)  # stale: rebuilt
    first = await _publish(db, settings)
    before = await _proofs(client, auditor, hh)
    assert before and all(p["tree_size"] == first for p in before)
    tree = roots._Published.tree
    assert tree.size == first
    async with db.writing() as s:
        await pay(s, kind="payment", src=refs["fund:360827:eco-compensation"], party_id=hh, amount=500,
                  by=actors["official:360827"], approver=actors["approver:360827"], day="2026-06-01",
                  memo="after the first head", county_code="360827", period="2026")
    second = await _publish(db, settings)
    after = await _proofs(client, auditor, hh)
    assert roots._Published.tree is tree and tree.size == second > first  # extended, not rebuilt
    assert after[:-1] == before and after[-1]["tree_size"] == second  # old lines keep their first head
    for proof in after:
        assert proof["proof"] == await _expected(db, proof)
        root = bytes.fromhex(proof["head"]["root_hash"])
        assert merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]),
                                       [bytes.fromhex(p) for p in proof["proof"]], root)


async def test_leaves_that_do_not_give_the_heads_root_are_read_once_not_for_every_statement(
        db, settings, monkeypatch):
    """Published leaves edited behind the triggers no longer give the signed root: the proofs come from
    the leaves as they are (and fail the offline check), and the next statement does not read them all again."""
    await load_demo(db, settings)
    size = await _publish(db, settings)
    async with db.reading() as s:
        head = await roots.get_head(s, size)
    forged = roots.SignedHead(tree_size=size, root_hash="00" * 32)  # what the leaves no longer give
    reads = []
    real = leaves.published

    async def counted(session, upto, after=0):
        reads.append((upto, after))
        return await real(session, upto, after)

    monkeypatch.setattr(leaves, "published", counted)
    async with db.reading() as s:
        first = await roots.published_tree(s, forged)
        assert reads and reads[-1] == (size, 0)  # read as it is
        read = len(reads)
        again = await roots.published_tree(s, forged)
    assert again is first and first.root().hex() == head.root_hash != forged.root_hash
    assert len(reads) == read  # not again for the next statement


async def test_a_server_builds_the_published_tree_at_start_not_at_its_first_statement(db, settings):
    """Else the first statement after a worker starts reads and hashes every published leaf."""
    import gc

    from litestar.testing import AsyncTestClient

    from service.app import create_app

    await load_demo(db, settings)
    size = await _publish(db, settings)
    roots._Published.tree = merkle.Tree([])
    try:
        async with AsyncTestClient(app=create_app(settings, server=True)) as started:
            assert roots._Published.tree.size == size  # before any statement was asked for
            assert (await started.get("/health")).status_code == 200
    finally:
        gc.unfreeze()  # a server's app freezes the collector's view; the test session does not want that
    async with db.reading() as s:
        assert roots._Published.tree.root(size).hex() == (await roots.latest(s)).root_hash
