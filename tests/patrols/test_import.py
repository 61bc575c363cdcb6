"""Importing patrol logs from KoboToolbox/ODK and SMART CSV exports: dry run, commit, refusals."""

from __future__ import annotations

from pathlib import Path

from service.patrols import imports

SAMPLE = (Path(__file__).parents[2] / "seed" / "patrols" / "sample-kobo-export.csv").read_bytes()
SMART = (
    "Patrol ID,Station,Team,Patrol Start Date,Patrol End Date,Start Time,End Time,Members,Distance (km),"
    "Nets Removed,Traps Removed,Poaching Reported,Wildlife Sighted,Comment\n"
    "SC-2025-0301,Yingpanxu,Bird patrol,2025-03-01,2025-03-01,06:00,09:00,YP01;YP02,6.5,2,0,0,12,Nets on ridge\n"
    "SC-2025-0302,Yingpanxu,Bird patrol,2025-03-02,2025-03-03,22:00,01:30,YP03,3,0,1,1,0,Night watch\n"
).encode()


def url(team, dry_run=True, layout=None):
    u = f"/api/v1/patrol-logs/import?team_id={team}&dry_run={'true' if dry_run else 'false'}"
    return u + (f"&layout={layout}" if layout else "")


async def post(client, p, body: bytes, **kw):
    headers = {**p.official, "Content-Type": "text/csv"}
    return await client.post(url(p.team, **kw), content=body, headers=headers)


async def add_codes(client, p):
    """The sample export names YP01..YP06; the fixture team has YP01..YP04."""
    from tests.helpers import create_party

    for code in ("YP05", "YP06"):
        h = await create_party(client, p.official, kind="household", org_type=None, name=code, parent_id=p.village)
        await client.post(f"/api/v1/patrol-teams/{p.team}/members", json={"party_id": h["id"], "code": code},
                          headers=p.official)


async def test_kobo_sample_dry_run_then_commit_then_reimport_skips(client, patrol):
    await add_codes(client, patrol)
    dry = await post(client, patrol, SAMPLE)
    assert dry.status_code == 200, dry.text
    assert dry.json() | {"errors": []} == dry.json() and dry.json()["valid"] == 5 and dry.json()["layout"] == "kobo"
    assert (await client.get("/api/v1/patrol-logs", headers=patrol.official)).json()["items"] == []
    done = await post(client, patrol, SAMPLE, dry_run=False)
    assert done.status_code == 201, done.text
    ids = done.json()["created_log_ids"]
    assert len(ids) == 5
    first = (await client.get(f"/api/v1/patrol-logs/{ids[0]}", headers=patrol.official)).json()
    assert first["source"] == "kobo" and first["incidents"]["nets_removed"] == 3 and first["distance_km"] == "9.800"
    assert first["minutes"] == 270 and first["patrol_date"] == "2025-12-01" and len(first["member_party_ids"]) == 2
    again = await post(client, patrol, SAMPLE, dry_run=False)
    assert again.status_code == 201 and again.json()["skipped_duplicates"] == 5 and again.json()["created_log_ids"] == []


async def test_smart_export_and_odk_headers(client, patrol):
    r = await post(client, patrol, SMART, dry_run=False)
    assert r.status_code == 201, r.text
    logs = (await client.get("/api/v1/patrol-logs", headers=patrol.official)).json()["items"]
    assert [l["source_ref"] for l in logs] == ["SC-2025-0301", "SC-2025-0302"]
    assert logs[1]["minutes"] == 210 and logs[1]["incidents"]["poaching_reported"] == 1
    odk = ("SubmissionDate,start,end,patrol-members,patrol-distance_km,incidents-nets_removed,meta-instanceID,KEY\n"
           "2025-03-05T03:00:00Z,2025-03-05T06:00:00+08:00,2025-03-05T08:00:00+08:00,YP04,2.0,1,uuid:1,uuid:1\n")
    r = await post(client, patrol, odk.encode(), dry_run=False)
    assert r.status_code == 201 and r.json()["layout"] == "kobo", r.text


async def test_bad_rows_are_reported_and_nothing_is_written(client, patrol):
    body = SMART + (
        "SC-2025-0303,Y,T,2025-03-04,2025-03-04,06:00,05:00x,YP01,1,0,0,0,0,bad time\n"
        "SC-2025-0304,Y,T,2025-03-04,2025-03-04,06:00,08:00,NOBODY,1,0,0,0,0,unknown member\n"
        "SC-2025-0305,Y,T,2025-03-01,2025-03-01,08:00,10:00,YP02,1,0,0,0,0,overlaps row 1\n"
        "SC-2025-0306,Y,T,2025-03-06,2025-03-06,06:00,08:00,YP01,1,=HYPERLINK(\"x\"),0,0,0,formula\n"
        "SC-2025-0307,Y,T,2025-03-07,2025-03-07,06:00,08:00,YP01,1.23456,0,0,0,0,distance\n"
    ).encode()
    dry = (await post(client, patrol, body)).json()
    assert dry["valid"] == 2 and [e["row"] for e in dry["errors"]] == [3, 4, 5, 6, 7]
    fields = {e["row"]: e["field"] for e in dry["errors"]}
    assert fields[4] == "members" and fields[6] == "nets_removed" and fields[7] == "distance_km"
    r = await post(client, patrol, body, dry_run=False)
    assert r.status_code == 422 and len(r.json()["errors"]) == 5
    assert (await client.get("/api/v1/patrol-logs", headers=patrol.official)).json()["items"] == []


async def test_existing_logs_block_overlapping_rows(client, patrol):
    from tests.patrols.conftest import log

    await log(client, patrol, [patrol.members[0]], "2025-03-01", "08:00", "09:00")
    dry = (await post(client, patrol, SMART)).json()
    assert dry["valid"] == 1 and dry["errors"][0]["row"] == 1 and "already on patrol log" in dry["errors"][0]["reason"]


UNREADABLE = [
    ("start,end,members\n2025-03-01T06:00:00+08:00,2025-03-01T07:00:00+08:00,乌\n".encode("utf-16"), 422, "GB18030"),
    (b"", 422, "empty"),
    (b"name,age\nx,1\n", 422, "unrecognised"),
    (b"Patrol ID,Members\n1,YP01\n", 422, "missing column"),

]


async def test_unreadable_files_are_problems(client, patrol):
    for body, status, words in UNREADABLE:
        r = await post(client, patrol, body)
        assert r.status_code == status and words in r.json()["detail"], r.text
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_gbk_export_is_read_and_the_encoding_shown(client, patrol):
    """Issue 17 item 14: a SMART export re-saved by Excel on Chinese Windows is GBK."""
    text = SMART.decode().replace("Nets on ridge", "山脊收网").replace("Night watch", "夜间巡护")
    dry = await post(client, patrol, text.encode("gbk"))
    assert dry.status_code == 200, dry.text
    assert (dry.json()["valid"], dry.json()["encoding"]) == (2, "GB18030")
    assert (await post(client, patrol, text.encode())).json()["encoding"] == "UTF-8"
    done = await post(client, patrol, text.encode("gbk"), dry_run=False)
    assert done.status_code == 201 and done.json()["encoding"] == "GB18030", done.text
    log = (await client.get(f"/api/v1/patrol-logs/{done.json()['created_log_ids'][0]}", headers=patrol.official)).json()
    assert log["observations"] == "山脊收网"


async def test_too_large_file_is_413(client, patrol, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 1000)
    r = await post(client, patrol, SMART * 10)
    assert r.status_code == 413 and r.json()["type"].endswith("too-large")


async def test_other_county_cannot_import(client, patrol, token_for):
    stranger = await token_for("official", county_code="360425")
    r = await client.post(url(patrol.team), content=SMART, headers={**stranger, "Content-Type": "text/csv"})
    assert r.status_code == 404


def test_formula_cells_refused_but_negative_numbers_are_not_formulas():
    layout, drafts, errors, _ = imports.parse(
        b"Patrol ID,Patrol Start Date,Start Time,End Time,Members,Comment\n"
        b"1,2025-03-01,06:00,07:00,YP01,@SUM(A1)\n2,2025-03-02,06:00,07:00,YP01,-5\n")
    assert layout == "smart" and [e.row for e in errors] == [1] and errors[0].field == "observations"
    assert drafts[0].observations == "-5"
