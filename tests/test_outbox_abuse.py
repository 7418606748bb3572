"""Spam cannot bury a red referral: red goes before amber before green, and one conversation may
make only a few referrals. The outbox file, the worker and aiohttp are real; the intake is the
stand-in of tests/test_outbox.py, which records the order referrals arrive in.
"""

from __future__ import annotations

import asyncio

from actions.outbox import submit
from tests import test_outbox as shared
from tests.test_outbox import a_referral, delivered, eventually, running_worker

intake = shared.intake
var_dir = shared.var_dir
settings_for = shared.settings_for
settings = shared.settings
outbox = shared.outbox


def rated(rag: str, **changes):
    return a_referral(provisional_triage={"rag": rag, "reasons": ["test"]}, **changes)


async def test_a_red_referral_queued_behind_200_green_ones_is_delivered_first(intake, settings, outbox):
    greens = [rated("green") for _ in range(200)]
    red = rated("red")
    for referral in [*greens, red]:  # the intake is down: each is queued, oldest first
        assert (await submit(referral, outbox=outbox, settings=settings)).status == "queued"
    await asyncio.sleep(0.05)  # the red one's first backoff has run out too: all 201 are due

    await intake.start()
    async with running_worker(outbox, settings):
        await eventually(
            lambda: len(intake.stored) == 201 and delivered(outbox, greens[-1]["referral_id"]),
            "every referral delivered",
            within=60,
        )

    assert intake.posts[0] == red["referral_id"]
    assert intake.stored[0] == red["referral_id"]
    assert sorted(intake.stored) == sorted(r["referral_id"] for r in [*greens, red])  # each once


async def test_when_the_intake_comes_back_a_red_referral_in_backoff_goes_next_not_last(
    intake, settings_for, outbox
):
    # Backoff long enough that each referral waits out its own after the outage ends.
    settings = settings_for(intake, OUTBOX_RETRY_INITIAL_SECONDS="1", OUTBOX_RETRY_MAX_SECONDS="1")
    greens = [rated("green") for _ in range(50)]
    red = rated("red")
    async with running_worker(outbox, settings):
        for referral in [*greens, red]:  # the intake is down: each is tried once, then backs off
            assert (await submit(referral, outbox=outbox, settings=settings)).status == "queued"
        await intake.start()
        await eventually(lambda: len(intake.stored) == 51, "every referral delivered")

    # The first referral due after the outage tells the worker the intake is back; the red goes next.
    assert intake.stored.index(red["referral_id"]) <= 1


async def test_the_worker_sends_red_then_amber_then_green_then_the_unrated(intake, settings, outbox):
    unrated = a_referral()
    del unrated["provisional_triage"]  # not valid against the contract, but it must still go
    order = [unrated, rated("green"), rated("amber"), rated("red")]
    for referral in order:
        outbox.put(referral["referral_id"], referral)

    await intake.start()
    async with running_worker(outbox, settings):
        await eventually(lambda: len(intake.stored) == 4, "all four delivered")

    assert intake.stored == [r["referral_id"] for r in reversed(order)]


async def test_one_conversation_may_make_three_referrals_and_a_fourth_is_told_to_phone(
    intake, settings, outbox
):
    conversation = "one-busy-conversation"
    first, second, third, fourth = (a_referral(conversation_id=conversation) for _ in range(4))
    for referral in (first, second, third):  # the intake is down
        assert (await submit(referral, outbox=outbox, settings=settings)).status == "queued"

    refused = await submit(fourth, outbox=outbox, settings=settings)
    again = await submit(second, outbox=outbox, settings=settings)  # the action ran twice
    elsewhere = await submit(a_referral(), outbox=outbox, settings=settings)

    assert refused.status == "refused"
    assert refused.person_should_phone
    assert again.status == "queued"
    assert elsewhere.status == "queued"
    assert outbox.get(fourth["referral_id"]) is None
    assert len(outbox.entries()) == 4


async def test_the_cap_per_conversation_is_configurable(intake, settings_for, outbox):
    settings = settings_for(intake, OUTBOX_MAX_PER_CONVERSATION="1")
    await intake.start()
    first, second = (a_referral(conversation_id="one-conversation") for _ in range(2))

    assert (await submit(first, outbox=outbox, settings=settings)).status == "accepted"
    assert (await submit(second, outbox=outbox, settings=settings)).status == "refused"
    assert intake.posts == [first["referral_id"]]
