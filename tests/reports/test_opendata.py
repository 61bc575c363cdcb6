"""The 360Giving export validates against the official schemas, resolved locally (no network)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import jsonschema
import openpyxl
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from service.reports.opendata import individual_id

# the schemas sit beside the repository (../shared), or beside the folder of worktrees (../../shared)
STANDARD = next((p / "shared" / "standards" / "360giving" for p in Path(__file__).resolve().parents[3:5]
                 if (p / "shared" / "standards" / "360giving").exists()),
                Path(__file__).resolve().parents[3] / "shared" / "standards" / "360giving")


def validator() -> jsonschema.Draft202012Validator:
    package = json.loads((STANDARD / "360-giving-package-schema.json").read_text())
    grant = json.loads((STANDARD / "360-giving-schema.json").read_text())
    ref = package["properties"]["grants"]["items"]["$ref"]  # the package names the grant schema by URL
    # the files say http://json-schema.org/draft/2020-12/schema (not https), so name the dialect ourselves
    resource = Resource(contents=grant, specification=DRAFT202012)
    registry = Registry().with_resources([(ref, resource), (grant["$id"], resource)])
    return jsonschema.Draft202012Validator(package, registry=registry, format_checker=formats())


def formats() -> jsonschema.FormatChecker:
    """awardDate is oneOf(date-time, YYYY-MM-DD): that only works with date-time really checked, and
    jsonschema checks it only when rfc3339-validator is installed, so check it here."""
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value: object) -> bool:
        if not isinstance(value, str) or "T" not in value.upper():
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    return checker


async def test_package_is_valid_360giving_and_pseudonymous(client, demo, auditor, settings):
    r = await client.get("/api/v1/reports/open-data/360giving", headers=auditor)
    assert r.status_code == 200
    pkg = json.loads(r.content)
    errors = sorted(validator().iter_errors(pkg), key=str)
    assert not errors, [e.message for e in errors[:5]]
    grants = pkg["grants"]
    refs = demo["refs"]
    individuals = [g for g in grants if "recipientIndividual" in g]
    orgs = [g for g in grants if "recipientOrganization" in g]
    assert individuals and orgs
    hh = refs["hh-daitang-1"]
    assert any(g["recipientIndividual"]["id"] == individual_id(settings.secret, hh) for g in individuals)
    assert {g["recipientIndividual"]["name"] for g in individuals} == {"Individual Recipient"}
    assert any("Daitang" in g["recipientOrganization"][0]["name"] or "村" in g["recipientOrganization"][0]["name"]
               for g in orgs)
    # amounts are JSON numbers written exactly from fen
    assert b'"amountAwarded": 345.00,' in r.content
    # reversed 9800.00 is left out
    assert not [g for g in grants if g["amountAwarded"] == 9800]
    csv = await client.get("/api/v1/reports/open-data/360giving?format=csv", headers=auditor)
    header = csv.text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("Identifier,Title,Description,Currency,Amount Awarded,Award Date")
    assert len(csv.text.strip().splitlines()) == len(grants) + 1
    xlsx = await client.get("/api/v1/reports/open-data/360giving?format=xlsx", headers=auditor)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["grants"]
    assert sheet.max_row == len(grants) + 1
    assert (await client.get("/api/v1/reports/open-data/360giving")).status_code == 401
