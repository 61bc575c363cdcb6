"""Per-app state: what one app (worker, test) holds is its own, never a module global."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from service.app import create_app


async def test_the_in_flight_idempotency_keys_belong_to_their_app(client, settings, admin):
    """A key one app is still running is refused there (409, nothing written), while another app,
    which is not running it, writes (its database transaction is what orders the two)."""
    me = (await client.get("/api/v1/auth/me", headers=admin)).json()
    body = {"kind": "organisation", "org_type": "government", "name": "Suichuan Forestry Bureau"}
    keyed = {**admin, "Idempotency-Key": "in-flight-1"}
    client.app.state.in_flight.add((me["user_id"], "in-flight-1"))
    try:
        r = await client.post("/api/v1/parties", headers=keyed, json=body)
        assert r.status_code == 409, r.text
        assert r.json()["errors"][0]["field"] == "Idempotency-Key"
        other = create_app(settings)
        assert other.state.in_flight is not client.app.state.in_flight and not other.state.in_flight
        async with AsyncTestClient(app=other) as fresh:
            r = await fresh.post("/api/v1/parties", headers=keyed, json=body)
            assert r.status_code == 201, r.text
            assert not other.state.in_flight  # released when the write is done
    finally:
        client.app.state.in_flight.discard((me["user_id"], "in-flight-1"))
    again = await client.post("/api/v1/parties", headers=keyed, json=body)
    assert again.status_code == 201 and again.json() == r.json()  # now this app replays the stored response


async def test_what_the_app_loaded_at_start_is_out_of_the_collectors_sight(settings):
    """A full garbage collection walking every module, compiled statement and schema object stopped all
    requests in flight for ~100 ms (the write bench's p99); a server's app freezes them once started."""
    import gc

    gc.unfreeze()
    async with AsyncTestClient(app=create_app(settings)) as one_of_many:  # a test's app leaves the process alone
        assert (await one_of_many.get("/health")).status_code == 200
        assert gc.get_freeze_count() == 0
    try:
        async with AsyncTestClient(app=create_app(settings, server=True)) as started:
            assert (await started.get("/health")).status_code == 200
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as before
