"""Two identical POSTs at once store exactly one row, on SQLite and on PostgreSQL.

asyncio.gather alone does not guarantee the two requests overlap where it matters. Here the real
store is used with one addition: each request waits, after its look-up found nothing, until the
other has looked too, so both really do race for the insert. Nothing is replaced or mocked.
"""

import asyncio
import json

import pytest
from conftest import Client, new_referral
from sqlalchemy import func, select

from intake.app import create_app
from intake.models import audit_log, referrals
from intake.store import ReferralConflict, Store


class RacingStore(Store):
    """The real store; the first look-up of each of `parties` requests waits for the others."""

    def __init__(self, *args, parties: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.barrier = asyncio.Barrier(parties)
        self.looked = 0

    async def _existing_receipt(self, referral_id, payload):
        found = await super()._existing_receipt(referral_id, payload)
        if self.looked < self.barrier.parties:
            self.looked += 1
            assert found is None, "each racer must find nothing, or there is no race"
            # A guard against a hang, not a timed assertion: the barrier opens at once.
            await asyncio.wait_for(self.barrier.wait(), 60)
        return found


async def rows_for(engine, referral_id: str) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count())
                .select_from(referrals)
                .where(referrals.c.referral_id == referral_id)
            )
        ).scalar_one()


async def received_audits(engine, referral_id: str) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(
                    audit_log.c.referral_id == referral_id,
                    audit_log.c.action == "referral.received",
                )
            )
        ).scalar_one()


@pytest.mark.parametrize("racers", [2, 4])
async def test_identical_referrals_racing_for_the_insert_store_one_row(
    engine, keyring, clock, racers
):
    store = RacingStore(engine, keyring, clock=clock, parties=racers)
    body = new_referral()
    results = await asyncio.gather(
        *(store.receive(json.loads(json.dumps(body))) for _ in range(racers))
    )
    assert sorted(created for _receipt, created in results) == [False] * (racers - 1) + [True]
    assert len({json.dumps(receipt.as_dict()) for receipt, _created in results}) == 1
    assert await rows_for(engine, body["referral_id"]) == 1
    assert await received_audits(engine, body["referral_id"]) == 1
    # The losers' reference numbers were rolled back with them: the sequence has no gap.
    receipt, _ = await Store(engine, keyring, clock=clock).receive(new_referral())
    assert receipt.reference == "SCS-2026-000002"


async def test_the_same_id_with_different_bodies_at_once_stores_one_and_refuses_the_other(
    engine, keyring, clock
):
    store = RacingStore(engine, keyring, clock=clock)
    first = new_referral()
    second = json.loads(json.dumps(first))
    second["concern"]["description"] = "a different account"
    results = await asyncio.gather(
        store.receive(first), store.receive(second), return_exceptions=True
    )
    conflicts = [r for r in results if isinstance(r, ReferralConflict)]
    stored = [r for r in results if isinstance(r, tuple)]
    assert len(conflicts) == 1 and len(stored) == 1, results
    assert stored[0][1] is True
    assert await rows_for(engine, first["referral_id"]) == 1


async def test_two_identical_posts_at_once_over_http_answer_201_and_200(
    engine, keyring, clock, settings
):
    store = RacingStore(engine, keyring, clock=clock)
    client = Client(create_app(settings, store, name="intake_race"), settings.service_token)
    await client.start()
    try:
        body = new_referral()
        responses = await asyncio.gather(client.post_referral(body), client.post_referral(body))
    finally:
        await client.http.aclose()
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert responses[0].json() == responses[1].json()
    assert await rows_for(engine, body["referral_id"]) == 1
