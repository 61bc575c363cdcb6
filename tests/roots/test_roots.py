"""Published signed roots: a head signed with the publishing key, public heads, consistency proofs and
the key; a household's statement carries its lines' inclusion proofs, which check offline; an entry
altered after its head was published makes the household's proof and `roots verify` fail, naming it."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner

from service import cli
from service.roots import check, keys
from service.settings import get_settings
from tests.helpers import tamper


async def _cli(run_cli, *args):
    return await asyncio.to_thread(run_cli, *args)


async def test_publish_then_heads_key_and_consistency_are_public(client, world, admin, settings, run_cli,
                                                                   tmp_path):
    old = await _cli(run_cli, "roots", "publish", "--period", "2025-12")  # closed before any entry was posted
    assert old.exit_code == 1 and "no entries posted by the end of 2025-12 yet" in old.output, old.output
    r = await _cli(run_cli, "roots", "publish")
    assert r.exit_code == 0 and "published the head of 2026-" in r.output, r.output
    again = await _cli(run_cli, "roots", "publish")
    assert again.exit_code == 1 and "nothing to publish" in again.output, again.output
    heads = (await client.get("/api/v1/roots")).json()["items"]
    assert len(heads) == 1 and heads[0]["previous_head_hash"] == "0" * 64
    first = heads[0]
    key = (await client.get("/.well-known/shanshui-publishing-key")).json()
    assert key == (await client.get("/api/v1/roots/key")).json()
    assert key["public_key"] == first["public_key"] and key["key_id"] == first["key_id"] == keys.key_id(key["public_key"])
    assert check.head_findings(first, key["public_key"]) == []
    # more money moves; an admin publishes on demand through the API
    hh = world["household"]
    official = {"Authorization": admin["Authorization"]}
    r = await client.post("/api/v1/roots", json={}, headers=official)
    assert r.status_code == 409, r.text  # nothing new yet
    from tests.helpers import funded_account

    await funded_account(client, admin, "10.00")
    r = await client.post("/api/v1/roots", json={}, headers={**admin, "Idempotency-Key": "p1"})
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["previous_head_hash"] == first["head_hash"] and second["tree_size"] == first["tree_size"] + 1
    c = (await client.get("/api/v1/roots/consistency", params={"first": first["tree_size"],
                                                               "second": second["tree_size"]})).json()
    from service.roots import merkle

    assert merkle.verify_consistency(first["tree_size"], second["tree_size"], bytes.fromhex(first["root_hash"]),
                                     bytes.fromhex(second["root_hash"]), [bytes.fromhex(p) for p in c["proof"]])
    assert (await client.get("/api/v1/roots/consistency", params={"first": 2, "second": 1})).status_code in (404, 422)
    assert (await client.get(f"/api/v1/roots/{second['tree_size'] + 5}")).status_code == 404
    # nothing in a head names a person
    text = json.dumps(heads)
    assert "name" not in text and str(hh) not in json.dumps(key)
    r = await _cli(run_cli, "roots", "verify")
    assert r.exit_code == 0 and "roots verified: 2 signed heads" in r.output, r.output
    # a committee kept the export; the heads are still those published, and a forged copy is told apart
    kept = tmp_path / "signed-heads.json"
    assert (await _cli(run_cli, "roots", "export", "--out", str(kept))).exit_code == 0
    assert (await _cli(run_cli, "proof", "verify", str(kept))).exit_code == 0
    r = await _cli(run_cli, "roots", "verify", "--against", str(kept))
    assert r.exit_code == 0, r.output
    doc = json.loads(kept.read_text())
    doc["heads"][0]["head_hash"] = "ab" * 32
    kept.write_text(json.dumps(doc))
    r = await _cli(run_cli, "roots", "verify", "--against", str(kept))
    assert r.exit_code == 1 and f"kept head of {first['period']} (tree size {first['tree_size']}) differs" in r.output
    assert (await _cli(run_cli, "proof", "verify", str(kept))).exit_code == 1


async def test_a_household_statement_proves_its_lines_offline_and_tampering_fails_naming_the_entry(
        client, world, db, token_for, run_cli, tmp_path):
    hh = world["household"]
    assert (await _cli(run_cli, "roots", "publish")).exit_code == 0
    own = await token_for("community", party_id=hh)
    doc = (await client.get(f"/api/v1/statements/{hh}", headers=own)).json()
    lines = doc["lines"]
    assert lines and all(line["proof"] is not None for line in lines)
    p = lines[0]["proof"]
    assert json.loads(p["leaf"])["sequence"] == lines[0]["sequence"] == p["leaf_index"] + 1
    saved = tmp_path / "statement.json"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    ok = await _cli(run_cli, "proof", "verify", str(saved))
    assert ok.exit_code == 0 and f"proof verified: {len(lines)} statement lines checked" in ok.output, ok.output
    html = (await client.get(f"/api/v1/statements/{hh}?format=html", headers=own)).text
    assert 'id="shanshui-statement"' in html and p["leaf_hash"] in html

    # someone with database rights edits the household's first payment after the head was published
    target = p["entry_id"]
    await tamper(db, "UPDATE journal_entries SET memo = memo || ' (edited)' WHERE id = :e", e=target)
    doc2 = (await client.get(f"/api/v1/statements/{hh}", headers=own)).json()
    saved.write_text(json.dumps(doc2), encoding="utf-8")
    bad = await _cli(run_cli, "proof", "verify", str(saved))
    assert bad.exit_code == 1, bad.output
    assert f"(entry {target}, sequence {lines[0]['sequence']}): NOT in the published tree" in bad.output, bad.output
    assert bad.output.count("NOT in the published tree") == 1  # the other lines still check
    r = await _cli(run_cli, "roots", "verify")
    assert r.exit_code == 1, r.output
    assert f"entry {target} (sequence {lines[0]['sequence']}) was altered after the head of" in r.output
    assert "consistency" in r.output or "does not give the signed root" in r.output


async def test_a_forged_head_or_proof_fails_the_offline_check(client, world, token_for, run_cli):
    assert (await _cli(run_cli, "roots", "publish")).exit_code == 0
    hh = world["household"]
    doc = (await client.get(f"/api/v1/statements/{hh}", headers=await token_for("community", party_id=hh))).json()
    assert check.statement_findings(doc) == (len(doc["lines"]), [])
    forged = json.loads(json.dumps(doc))
    head = forged["lines"][0]["proof"]["head"]
    signed = json.loads(head["signed"])
    signed["root_hash"] = "00" * 32
    head["signed"] = json.dumps(signed, sort_keys=True, separators=(",", ":"))
    _, found = check.statement_findings(forged)
    assert any("signature does not match" in f for f in found)
    other = keys.public_b64(__import__("cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"])
                            .Ed25519PrivateKey.generate().public_key())
    _, found = check.statement_findings(doc, other)
    assert any("not the published key" in f for f in found)


async def test_publishing_without_a_key_is_refused(client, world, admin, settings):
    settings.publishing_key.unlink()
    r = await client.post("/api/v1/roots", json={}, headers=admin)
    assert r.status_code == 409 and "shanshui keys create" in r.json()["detail"], r.text
    assert (await client.get("/api/v1/roots/key")).status_code == 404


def test_keys_create_never_overwrites(tmp_path, monkeypatch):
    path = tmp_path / "k.pem"
    monkeypatch.setenv("SHANSHUI_PUBLISHING_KEY", str(path))
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(cli.main, ["keys", "create"])
        assert r.exit_code == 0 and "key id" in r.output and oct(path.stat().st_mode & 0o777) == "0o600"
        r = CliRunner().invoke(cli.main, ["keys", "create"])
        assert r.exit_code == 1 and "never overwritten" in r.output
    finally:
        get_settings.cache_clear()


async def test_checker_page_is_served_standalone(client):
    r = await client.get("/roots/checker")
    assert r.status_code == 200 and "verifyInclusion" in r.text
    assert "script-src 'unsafe-inline'" in r.headers["content-security-policy"]
    d = await client.get("/roots/checker", params={"download": "true"})
    assert "attachment" in d.headers["content-disposition"]
