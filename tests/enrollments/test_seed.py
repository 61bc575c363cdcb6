"""The demo's enrolled Suichuan households: a 2026 cycle is ready to dry-run, with the pending
re-measurement noted and the 2025 transfer in the receiving household's basis; the sample register
(seed/compensation/sample-register.csv, for the console's import page) enrolls 8 more households."""

from __future__ import annotations

from pathlib import Path

from service import seed
from service.enrollments import cycles, imports
from service.enrollments import service as enr
from service.enrollments.models import ChangeStatus


async def test_demo_register_is_ready_for_a_2026_cycle(db, settings):
    ctx = await seed.load(db, settings, progress=lambda _: None)
    official = ctx.actors["official:360827"]
    async with db.reading() as s:
        plan = await cycles.plan(s, official, ctx.refs["program:forest-register"], "2026")
        rep = cycles.report(plan, dry_run=True)
        assert rep.ok and rep.enrolled == 24 and rep.payable == 24, rep.exceptions
        assert [x.kind for x in rep.exceptions] == ["pending_change_request"]
        changes = await enr.list_changes(s, official, limit=10, offset=0)
        assert sorted(c.status for c in changes) == [ChangeStatus.APPROVED, ChangeStatus.PENDING]
        taker = await enr.visible_enrollment(s, official, ctx.refs["enrollment:transfer-taker"])
        out = await enr.enrollment_out(s, taker, history=True)
        assert len(out.basis.parcels) >= 2 and any(h.valid_from.isoformat() == "2025-06-01" for h in out.history)
    sample = Path(__file__).resolve().parents[2] / "seed" / "compensation" / "sample-register.csv"
    async with db.writing() as s:
        rep = await imports.run(s, official, ctx.refs["program:forest-register"], sample.name, sample.read_bytes(),
                                settings.secret, dry_run=False)
    assert rep.ok and (rep.enrollments, rep.parcels) == (8, 16), rep.errors
    async with db.reading() as s:  # imported first, they join the README's 2026 cycle, still within the fund
        rep = cycles.report(await cycles.plan(s, official, ctx.refs["program:forest-register"], "2026"), dry_run=True)
    assert rep.ok and rep.enrolled == rep.payable == 32, rep.exceptions
    assert [x.kind for x in rep.exceptions] == ["pending_change_request"]
