"""Access rules of the approver, patrol-supervisor, trustee, auditor and household console pages, merged
into ACCESS (tests/reliability/test_access.py) so that the route x role matrix covers them, and the
path values the console matrix (tests/console/test_console_access.py) fills them with."""

from __future__ import annotations

APPROVERS = {"admin", "approver"}
TRUSTEES = {"admin", "trustee", "auditor"}
TRUST_WRITERS = {"admin", "trustee"}
AUDITORS = {"admin", "auditor"}
PUBLIC = "public"  # as in tests/reliability/test_access.py (which imports this module)

ROLE_PAGES: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/console/approvals"): APPROVERS,
    ("GET", "/console/approvals/payments/{payment_id}"): APPROVERS,
    ("POST", "/console/approvals/payments/{payment_id}/approve"): APPROVERS,
    ("POST", "/console/approvals/payments/{payment_id}/reject"): APPROVERS,
    ("GET", "/console/approvals/batches/{batch_id}"): APPROVERS,
    ("POST", "/console/approvals/batches/{batch_id}/approve"): APPROVERS,
    ("POST", "/console/approvals/batches/{batch_id}/reject"): APPROVERS,
    ("GET", "/console/approvals/stipend-runs/{run_id}"): APPROVERS,
    ("GET", "/console/approvals/changes"): APPROVERS,
    ("POST", "/console/approvals/changes/{change_id}/approve"): APPROVERS,
    ("POST", "/console/approvals/changes/{change_id}/reject"): APPROVERS,
    ("POST", "/console/approvals/stipend-runs/{run_id}/approve"): APPROVERS,
    ("POST", "/console/approvals/stipend-runs/{run_id}/reject"): APPROVERS,
    ("GET", "/console/approvals/fundings/{funding_id}"): APPROVERS,
    ("POST", "/console/approvals/fundings/{funding_id}/approve"): APPROVERS,
    ("POST", "/console/approvals/fundings/{funding_id}/reject"): APPROVERS,
    # the patrol supervisor is the county's approver, as on the API (service/patrols/routes.py)
    ("GET", "/console/patrol-logs"): APPROVERS,
    ("GET", "/console/patrol-logs/{log_id}"): APPROVERS,
    ("POST", "/console/patrol-logs/{log_id}/verify"): APPROVERS,
    ("POST", "/console/patrol-logs/{log_id}/reject"): APPROVERS,
    ("GET", "/console/trusts"): TRUSTEES,
    ("GET", "/console/trusts/{trust_id}"): TRUSTEES,
    ("POST", "/console/trusts/{trust_id}/contributions"): TRUST_WRITERS,
    ("POST", "/console/trusts/{trust_id}/disbursements"): TRUST_WRITERS,
    ("GET", "/console/trusts/{trust_id}/statement"): TRUSTEES,
    ("GET", "/console/audit/anomalies"): AUDITORS,
    ("GET", "/console/audit/anomalies/{number}"): AUDITORS,
    ("GET", "/console/audit/flows"): AUDITORS,
    ("GET", "/console/audit/trial-balance"): AUDITORS,
    ("GET", "/console/audit/verify"): AUDITORS,
    ("GET", "/console/audit/journal"): AUDITORS,
    ("GET", "/console/audit/journal/{entry_id}"): AUDITORS,
    ("GET", "/console/audit/downloads"): AUDITORS,
    ("GET", "/console/audit/downloads/{file_name}"): AUDITORS,
    ("GET", "/console/statement"): {"admin", "community"},
    ("GET", "/console/statements"): {"admin", "official"},
    ("GET", "/console/statements/{party_id}/print"): {"admin", "official"},
    ("GET", "/console/s/{token}"): PUBLIC,  # the printed QR code's signed, expiring link
    ("GET", "/console/statement/file"): {"admin", "community"},
    # grievances (service/console/pages/grievances.py)
    ("GET", "/console/grievances/new"): {"admin", "official", "community"},
    ("POST", "/console/grievances"): {"admin", "official", "community"},
    ("GET", "/console/grievances"): {"admin", "official", "approver", "auditor", "community"},
    ("GET", "/console/grievances/{grievance_id}"): {"admin", "official", "approver", "auditor", "community"},
    ("POST", "/console/grievances/{grievance_id}/answer"): {"admin", "official", "approver"},
    ("POST", "/console/grievances/{grievance_id}/evidence"): {"admin", "official", "approver"},
    ("POST", "/console/grievances/{grievance_id}/resolve"): {"admin", "official", "approver"},
    ("POST", "/console/grievances/{grievance_id}/escalate"): {"admin", "official"},
    ("GET", "/console/track"): PUBLIC,  # a grievance's status by its tracking code
}

# Path values for the console matrix: objects that do not exist answer 404 to the roles allowed in.
DEFAULTS = {"payment_id": 1, "batch_id": 1, "run_id": 1, "enrollment_id": 1, "change_id": 1, "log_id": 1,
            "trust_id": 1, "number": 1, "entry_id": 1, "file_name": "audit.json", "party_id": 1,
            "token": "1.all.1.0", "grievance_id": 1}
