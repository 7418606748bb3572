"""POST /api/v1/referrals: the assistant hands over a referral and gets a reference, RAG and due time."""

import asyncio
import json
import re
import uuid

import pytest
from conftest import (
    example,
    invalid_example_names,
    new_referral,
    valid_example_names,
)
from test_contract import INVALID_EXAMPLE_FIELDS

from intake.app import SECURITY_HEADERS
from intake.ratelimit import RateLimiter


@pytest.mark.parametrize("name", valid_example_names())
async def test_every_example_payload_the_assistant_produces_is_accepted(client, name):
    response = await client.post_referral(example(name))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["referral_id"] == example(name)["referral_id"]
    assert re.fullmatch(r"SCS-2026-\d{6}", body["reference"])
    assert body["rag"] in {"red", "amber", "green", "none"}
    assert body["reasons"]


@pytest.mark.parametrize("name", invalid_example_names())
async def test_each_kind_of_invalid_body_gets_a_422_naming_the_field(client, name):
    response = await client.post_referral(example(name))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_referral"
    assert INVALID_EXAMPLE_FIELDS[name] in {e["field"] for e in body["errors"]}


async def test_the_422_lists_every_field_error(client):
    body = new_referral()
    body["channel"] = "carrier pigeon"
    body["children"][0]["age"] = 42
    del body["concern"]["harmed_or_at_risk"]
    response = await client.post_referral(body)
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"channel", "children.0.age", "concern.harmed_or_at_risk"}


async def test_a_missing_service_token_is_a_401(client):
    response = await client.post_referral(new_referral(), token=None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_wrong_service_token_is_a_401_and_nothing_is_stored(client, store):
    response = await client.post_referral(new_referral(), token="not-the-token")
    assert response.status_code == 401
    assert (await store.list_referrals())[1] == 0


async def test_a_staff_token_cannot_post_referrals(client, staff_token):
    response = await client.post_referral(new_referral(), token=staff_token)
    assert response.status_code == 401


async def test_same_referral_id_with_same_body_returns_the_original_answer_and_stores_once(
    client, store, clock
):
    body = new_referral()
    first = await client.post_referral(body)
    clock.advance(minutes=30)
    replay = await client.post_referral(body)
    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert (await store.list_referrals())[1] == 1


async def test_same_referral_id_with_different_body_is_a_conflict(client, store):
    body = new_referral()
    await client.post_referral(body)
    changed = json.loads(json.dumps(body))
    changed["concern"]["description"] = "something else entirely"
    response = await client.post_referral(changed)
    assert response.status_code == 409
    assert response.json()["error"] == "referral_id_conflict"
    assert (await store.list_referrals())[1] == 1


async def test_key_order_and_whitespace_do_not_make_a_replay_a_conflict(client):
    body = new_referral()
    await client.post_referral(body)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4)
    response = await client.post_referral(reordered)
    assert response.status_code == 200


async def test_the_same_referral_arriving_twice_at_once_is_stored_once(client, store):
    body = new_referral()
    responses = await asyncio.gather(*(client.post_referral(body) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["reference"] for r in responses}) == 1
    assert (await store.list_referrals())[1] == 1


async def test_references_count_up_per_year_without_gaps_or_repeats_under_concurrency(client):
    responses = await asyncio.gather(*(client.post_referral(new_referral()) for _ in range(20)))
    assert all(r.status_code == 201 for r in responses)
    references = sorted(r.json()["reference"] for r in responses)
    assert references == [f"SCS-2026-{n:06d}" for n in range(1, 21)]


async def test_a_new_year_starts_a_new_sequence(client, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=31, hour=23, minute=59)
    last = await client.post_referral(new_referral())
    clock.advance(minutes=2)
    first = await client.post_referral(new_referral())
    assert last.json()["reference"] == "SCS-2026-000001"
    assert first.json()["reference"] == "SCS-2027-000001"


async def test_due_time_comes_from_the_server_triage_not_the_client(client, clock):
    body = new_referral("valid_immediate_danger")
    body["provisional_triage"] = {"rag": "none", "reasons": ["client thinks it is fine"]}
    response = await client.post_referral(body)
    answer = response.json()
    assert answer["rag"] == "red"
    assert answer["received_at"] == "2026-03-02T09:00:00Z"
    assert answer["due_at"] == "2026-03-02T11:00:00Z"


async def test_the_clients_provisional_triage_is_kept_for_comparison(client, store, staff_headers):
    body = new_referral("valid_unknowns")
    body["provisional_triage"] = {"rag": "red", "reasons": ["assistant was cautious"]}
    await client.post_referral(body)
    items, _ = await store.list_referrals()
    assert items[0]["rag"] == "green"
    assert items[0]["provisional_rag"] == "red"
    detail = (
        await client.get(f"/api/v1/staff/referrals/{body['referral_id']}", headers=staff_headers)
    ).json()
    assert detail["provisional_triage"] == {"rag": "red", "reasons": ["assistant was cautious"]}


async def test_a_professional_referral_says_when_feedback_is_due(client):
    response = await client.post_referral(new_referral("valid_professional_with_consent"))
    assert response.json()["feedback_due_at"] == "2026-03-03T09:00:00Z"


async def test_a_body_that_is_not_json_is_a_400(client):
    response = await client.post_referral(b"{not json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("lone surrogate", None),
        ("nested past what the parser allows", b"[" * 30_000 + b"]" * 30_000),
        ("NaN", None),
        ("Infinity", None),
        ("not UTF-8", None),
    ],
)
async def test_bodies_that_are_not_strict_json_are_a_400_not_a_500(client, store, label, body):
    if body is None:
        referral = json.dumps(new_referral())
        body = {
            "lone surrogate": referral.replace('"description": "', '"description": "\\ud800', 1),
            "NaN": re.sub(r'"age": \d+', '"age": NaN', referral, count=1),
            "Infinity": re.sub(r'"age": \d+', '"age": Infinity', referral, count=1),
            "not UTF-8": referral.encode().replace(b'"description": "', b'"description": "\xff', 1),
        }[label]
        assert body != referral and body != referral.encode(), "the example changed: fix the test"
    response = await client.post_referral(body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_json"
    assert (await store.list_referrals())[1] == 0


async def test_a_status_reason_with_a_lone_surrogate_is_a_400(client, staff_headers):
    body = new_referral()
    await client.post_referral(body)
    response = await client.post(
        f"/api/v1/staff/referrals/{body['referral_id']}/status",
        content=b'{"status": "in_triage", "reason": "\\udfff"}',
        headers={**staff_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/staff/referrals/Maisie%20Hughes%2C%20Flat%203", 404),
        ("GET", "/Maisie-Hughes/Flat-3?child=Maisie", 404),
        ("PUT", "/api/v1/referrals?child=Maisie", 405),
    ],
)
async def test_error_answers_never_repeat_what_was_sent(client, method, path, status):
    response = await client.request(method, path)
    assert response.status_code == status
    assert "Maisie" not in response.text
    assert "Flat" not in response.text


async def test_a_body_that_is_not_declared_as_json_is_a_415(client):
    response = await client.post_referral(
        json.dumps(new_referral()), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


async def test_a_body_over_64_kib_is_refused_with_413(client, store):
    body = new_referral()
    body["concern"]["description"] = "x" * (65 * 1024)
    response = await client.post_referral(json.dumps(body))
    assert response.status_code == 413
    assert (await store.list_referrals())[1] == 0


async def test_html_and_odd_unicode_are_stored_and_returned_as_text_in_json(client, staff_headers):
    body = new_referral()
    body["concern"]["description"] = "<script>alert(1)</script> \u202e\u0000 Zoë 🧒"
    response = await client.post_referral(body)
    assert response.status_code == 201
    detail = await client.get(
        f"/api/v1/staff/referrals/{body['referral_id']}", headers=staff_headers
    )
    assert detail.headers["content-type"] == "application/json"
    assert detail.json()["referral"]["concern"]["description"] == body["concern"]["description"]


async def test_posting_referrals_is_rate_limited_per_client(make_client, store):
    now = [0.0]
    client = await make_client(rate_limiter=RateLimiter(3, clock=lambda: now[0]))
    statuses = [(await client.post_referral(new_referral())).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = await client.post_referral(new_referral())
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    now[0] += 20  # one token back after 60/3 seconds
    assert (await client.post_referral(new_referral())).status_code == 201
    assert (await store.list_referrals())[1] == 4


@pytest.mark.parametrize(
    "path", ["/api/v1/referrals/", "/api/v1/referrals?x=1", "/api/v1/referrals/?x=1"]
)
async def test_another_spelling_of_the_path_does_not_escape_the_rate_limit(make_client, path):
    """The limit follows the route, not the text of the path: Sanic answers /api/v1/referrals/
    with the same handler, and that spelling used to get past the limit."""
    client = await make_client(rate_limiter=RateLimiter(2, clock=lambda: 0.0))
    headers = {"Authorization": f"Bearer {client.service_token}"}
    statuses = [
        (await client.post(path, json=new_referral(), headers=headers)).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert (await client.post_referral(new_referral())).status_code == 429


async def test_a_forwarded_for_header_does_not_buy_a_fresh_allowance(make_client):
    """Without a configured proxy the peer address counts, whatever X-Forwarded-For claims."""
    client = await make_client(rate_limiter=RateLimiter(1, clock=lambda: 0.0))
    first = await client.post_referral(new_referral(), headers={"X-Forwarded-For": "198.51.100.1"})
    second = await client.post_referral(
        new_referral(), headers={"X-Forwarded-For": "198.51.100.2", "Forwarded": "for=1.2.3.4"}
    )
    assert (first.status_code, second.status_code) == (201, 429)


async def test_the_rate_limit_also_counts_attempts_with_a_wrong_token(make_client):
    client = await make_client(rate_limiter=RateLimiter(2, clock=lambda: 0.0))
    for _ in range(2):
        assert (await client.post_referral(new_referral(), token="guess")).status_code == 401
    assert (await client.post_referral(new_referral())).status_code == 429


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("POST", "/api/v1/referrals"),
        ("GET", "/api/v1/staff/referrals"),
        ("GET", "/no/such/page"),
        ("DELETE", "/api/v1/referrals"),
        ("GET", "/docs/openapi.json"),
    ],
)
async def test_every_response_carries_the_security_headers(client, method, path):
    response = await client.request(method, path)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value, header


async def test_errors_are_answered_as_json(client):
    for response in (
        await client.get("/no/such/page"),
        await client.delete("/api/v1/referrals"),
        await client.post_referral(new_referral(), token=None),
    ):
        assert response.headers["content-type"] == "application/json"
        assert "error" in response.json()


async def test_health_check_answers_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_referral_ids_are_stored_in_one_case(client):
    body = new_referral()
    body["referral_id"] = str(uuid.uuid4()).upper()
    first = await client.post_referral(body)
    lower = dict(body, referral_id=body["referral_id"].lower())
    again = await client.post_referral(lower)
    assert first.status_code == 201
    assert first.json()["referral_id"] == body["referral_id"].lower()
    # A different spelling of the same id with a (textually) different body is a conflict.
    assert again.status_code == 409
