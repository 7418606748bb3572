"""Staff endpoints: the MASH queue, audited reads of personal fields, and the outcome trail."""

import pytest
from conftest import new_referral


async def post(client, name="valid_anonymous_public", **changes):
    body = new_referral(name, **changes)
    response = await client.post_referral(body)
    assert response.status_code == 201, response.text
    return body


async def queue(client, headers, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    response = await client.get(f"/api/v1/staff/referrals?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def change(client, headers, referral_id, status, reason="checked with the team"):
    return await client.post(
        f"/api/v1/staff/referrals/{referral_id}/status",
        json={"status": status, "reason": reason},
        headers=headers,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/staff/referrals",
        "/api/v1/staff/referrals/6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01",
        "/api/v1/staff/referrals/6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01/audit",
    ],
)
async def test_staff_endpoints_need_a_staff_token(client, path):
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers={"Authorization": "Bearer 1.wrong"})).status_code == 401
    service = {"Authorization": f"Bearer {client.service_token}"}
    assert (await client.get(path, headers=service)).status_code == 401


async def test_a_staff_token_stops_working_when_it_expires(client, staff_headers, clock):
    assert (await client.get("/api/v1/staff/referrals", headers=staff_headers)).status_code == 200
    clock.advance(hours=12)
    assert (await client.get("/api/v1/staff/referrals", headers=staff_headers)).status_code == 401


async def test_a_disabled_staff_member_is_locked_out(client, store, staff_headers):
    await store.disable_staff("a.jones")
    assert (await client.get("/api/v1/staff/referrals", headers=staff_headers)).status_code == 401


async def test_a_new_token_replaces_the_old_one(client, store, staff_headers):
    new = await store.issue_staff_token("a.jones", 12, create=False)
    assert (await client.get("/api/v1/staff/referrals", headers=staff_headers)).status_code == 401
    fresh = {"Authorization": f"Bearer {new}"}
    assert (await client.get("/api/v1/staff/referrals", headers=fresh)).status_code == 200


async def test_the_queue_is_most_urgent_first_and_holds_no_personal_data(client, staff_headers):
    green = await post(client, "valid_professional_with_consent")
    red = await post(client, "valid_immediate_danger")
    amber = await post(client, "valid_parent_carer")
    listing = await queue(client, staff_headers)
    assert [i["referral_id"] for i in listing["items"]] == [
        red["referral_id"],
        amber["referral_id"],
        green["referral_id"],
    ]
    text = str(listing)
    for secret in ("Helen Carter", "Leo Hughes", "Bitterne", "bruises", "hitting"):
        assert secret not in text


async def test_the_queue_filters_by_rag_and_status(client, staff_headers):
    red = await post(client, "valid_immediate_danger")
    await post(client, "valid_parent_carer")
    reds = await queue(client, staff_headers, rag="red")
    assert [i["referral_id"] for i in reds["items"]] == [red["referral_id"]]
    assert reds["total"] == 1
    await change(client, staff_headers, red["referral_id"], "in_triage")
    in_triage = await queue(client, staff_headers, status="in_triage")
    assert [i["referral_id"] for i in in_triage["items"]] == [red["referral_id"]]
    assert (await queue(client, staff_headers, status="new"))["total"] == 1


async def test_overdue_shows_open_referrals_past_their_due_time(client, staff_headers, clock):
    red = await post(client, "valid_immediate_danger")
    amber = await post(client, "valid_parent_carer")
    clock.advance(hours=3)
    overdue = await queue(client, staff_headers, overdue="true")
    assert [i["referral_id"] for i in overdue["items"]] == [red["referral_id"]]
    assert overdue["items"][0]["overdue"] is True
    not_overdue = await queue(client, staff_headers, overdue="false")
    assert [i["referral_id"] for i in not_overdue["items"]] == [amber["referral_id"]]
    await change(client, staff_headers, red["referral_id"], "in_triage")
    await change(client, staff_headers, red["referral_id"], "s47_enquiry")
    assert (await queue(client, staff_headers, overdue="true"))["total"] == 0


async def test_preview_referrals_are_kept_out_of_the_live_queue(client, staff_headers):
    live = await post(client)
    preview = await post(client, "valid_staff_preview")
    assert [i["referral_id"] for i in (await queue(client, staff_headers))["items"]] == [
        live["referral_id"]
    ]
    previews = await queue(client, staff_headers, preview="true")
    assert [i["referral_id"] for i in previews["items"]] == [preview["referral_id"]]


async def test_feedback_due_lists_professional_referrals_until_feedback_is_recorded(
    client, staff_headers
):
    professional = await post(client, "valid_professional_with_consent")
    public = await post(client)
    due = await queue(client, staff_headers, feedback_due="true")
    assert [i["referral_id"] for i in due["items"]] == [professional["referral_id"]]
    assert due["items"][0]["feedback_due_at"] == "2026-03-03T09:00:00Z"
    recorded = await client.post(
        f"/api/v1/staff/referrals/{professional['referral_id']}/feedback", headers=staff_headers
    )
    assert recorded.status_code == 200
    assert (await queue(client, staff_headers, feedback_due="true"))["total"] == 0
    not_owed = await client.post(
        f"/api/v1/staff/referrals/{public['referral_id']}/feedback", headers=staff_headers
    )
    assert not_owed.status_code == 409


async def test_bad_filters_are_a_422_naming_them(client, staff_headers):
    response = await client.get(
        "/api/v1/staff/referrals?rag=purple&overdue=maybe&limit=0&colour=red",
        headers=staff_headers,
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"rag", "overdue", "limit", "colour"}


async def test_reading_a_referral_shows_its_personal_fields_and_is_audited(client, staff_headers):
    body = await post(client, "valid_parent_carer")
    detail = await client.get(
        f"/api/v1/staff/referrals/{body['referral_id']}", headers=staff_headers
    )
    assert detail.status_code == 200
    assert detail.json()["referral"] == body
    trail = await client.get(
        f"/api/v1/staff/referrals/{body['referral_id']}/audit", headers=staff_headers
    )
    actions = [(e["actor"], e["action"]) for e in trail.json()["items"]]
    assert actions == [
        ("service:assistant", "referral.received"),
        ("staff:a.jones", "referral.read_personal"),
    ]


async def test_an_unknown_referral_is_a_404(client, staff_headers):
    response = await client.get(
        "/api/v1/staff/referrals/00000000-0000-4000-8000-000000000000", headers=staff_headers
    )
    assert response.status_code == 404


async def test_status_moves_through_the_mash_outcomes_with_actor_time_and_reason(
    client, staff_headers, clock
):
    body = await post(client, "valid_parent_carer")
    rid = body["referral_id"]
    assert (await change(client, staff_headers, rid, "in_triage", "picked up")).status_code == 200
    clock.advance(hours=1)
    moved = await change(client, staff_headers, rid, "s47_enquiry", "strategy discussion held")
    assert moved.json() == {
        "referral_id": rid,
        "status": "s47_enquiry",
        "status_changed_at": "2026-03-02T10:00:00Z",
    }
    assert (
        await change(client, staff_headers, rid, "closed", "passed to assessment")
    ).status_code == 200
    detail = (await client.get(f"/api/v1/staff/referrals/{rid}", headers=staff_headers)).json()
    assert [
        (h["from_status"], h["to_status"], h["actor"], h["reason"])
        for h in detail["status_history"]
    ] == [
        ("new", "in_triage", "staff:a.jones", "picked up"),
        ("in_triage", "s47_enquiry", "staff:a.jones", "strategy discussion held"),
        ("s47_enquiry", "closed", "staff:a.jones", "passed to assessment"),
    ]
    trail = (await client.get(f"/api/v1/staff/referrals/{rid}/audit", headers=staff_headers)).json()
    changes = [e["detail"] for e in trail["items"] if e["action"] == "referral.status_changed"]
    assert changes == [
        {"from": "new", "to": "in_triage"},
        {"from": "in_triage", "to": "s47_enquiry"},
        {"from": "s47_enquiry", "to": "closed"},
    ]


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ([], "s47_enquiry"),  # an outcome needs triage first
        ([], "closed"),
        (["in_triage"], "new"),
        (["in_triage", "early_help", "closed"], "in_triage"),
    ],
)
async def test_a_status_change_that_skips_the_mash_steps_is_a_409(
    client, staff_headers, path, wanted
):
    body = await post(client)
    for status in path:
        assert (await change(client, staff_headers, body["referral_id"], status)).status_code == 200
    response = await change(client, staff_headers, body["referral_id"], wanted)
    assert response.status_code == 409


async def test_a_status_change_needs_a_known_status_and_a_reason(client, staff_headers):
    body = await post(client)
    response = await client.post(
        f"/api/v1/staff/referrals/{body['referral_id']}/status",
        json={"status": "escalated", "reason": "  "},
        headers=staff_headers,
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"status", "reason"}


async def test_the_audit_log_is_append_only_in_the_database(store, engine):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    await store.issue_staff_token("b.smith", 1, create=True)
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))


def staff_routes(app) -> list[tuple[str, str]]:
    """(method, concrete path) for every route the app serves under /api/v1/staff."""
    found = []
    for route in app.router.routes:
        path = "/" + route.path
        if not path.startswith("/api/v1/staff"):
            continue
        concrete = (
            path.replace("<referral_id:uuid>", "6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01")
            .replace("<conversation_id:str>", "conversation-1")
            .replace("<event_id:int>", "1")
        )
        assert "<" not in concrete, f"a new parameter in {path}: teach this test its value"
        found += [(method, concrete) for method in route.methods if method not in {"OPTIONS"}]
    return sorted(found)


async def test_every_staff_route_refuses_anyone_without_a_valid_staff_token(client, store, clock):
    """Found from the router, so a staff route added later without @staff_only fails here."""
    routes = staff_routes(client.app)
    assert {m for m, _ in routes} >= {"GET", "POST"} and len(routes) >= 5
    expired = await store.issue_staff_token("c.expired", 1, create=True)
    disabled = await store.issue_staff_token("d.disabled", 12, create=True)
    await store.disable_staff("d.disabled")
    clock.advance(hours=2)
    refused = [
        None,
        "Bearer 1.wrong",
        f"Bearer {client.service_token}",
        f"Bearer {expired}",
        f"Bearer {disabled}",
        "Basic YTpi",
        "Bearer ",
    ]
    for method, path in routes:
        for authorization in refused:
            headers = {"Content-Type": "application/json"}
            if authorization is not None:
                headers["Authorization"] = authorization
            response = await client.request(
                method, path, headers=headers, content=b'{"status":"in_triage","reason":"x"}'
            )
            assert response.status_code == 401, (method, path, authorization)
    assert [a for a in await store.audit_trail() if a["action"].startswith("referral.")] == []


@pytest.mark.parametrize(
    "token",
    [
        b"999999999999.abc",  # past PostgreSQL's integer: used to be a 500 there
        b"2147483648.abc",
        b"99999999999999999999999999.abc",
        b"\xb2.abc",  # a superscript two: isdigit() but not int()
        b"-1.abc",
        b".abc",
        b"1.",
        b"1",
    ],
)
async def test_a_malformed_staff_token_is_a_401_not_a_500(client, token):
    response = await client.get(
        "/api/v1/staff/referrals", headers={"Authorization": b"Bearer " + token}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "limit=%C2%B2",  # "²": isdigit() but not int()
        "offset=%D9%A1",  # an Arabic-Indic one
        "limit=" + "9" * 5000,  # more digits than int() will read
        "rag=red'%20OR%20'1'='1",
        "status=new;DROP%20TABLE%20referrals",
        "rag=red&rag=amber%27--",
    ],
)
async def test_hostile_filters_are_a_422_and_reach_no_query(client, staff_headers, query):
    await post(client, "valid_immediate_danger")
    response = await client.get(f"/api/v1/staff/referrals?{query}", headers=staff_headers)
    assert response.status_code == 422, response.text
    assert (await queue(client, staff_headers))["total"] == 1


@pytest.mark.parametrize(
    "username",
    ["x" * 65, "a jones", "a.jones\n", "<b>", "", "-leading", "a.jones;DROP"],
)
async def test_staff_usernames_are_short_and_plain(store, username):
    """`staff:<username>` must fit the 100-character actor columns: on PostgreSQL a longer name
    made every audited action of that member a 500."""
    with pytest.raises(ValueError, match="staff username"):
        await store.issue_staff_token(username, 12, create=True)


async def test_the_longest_username_can_read_and_change_a_referral(client, store):
    token = await store.issue_staff_token("a" * 64, 12, create=True)
    headers = {"Authorization": f"Bearer {token}"}
    body = await post(client)
    rid = body["referral_id"]
    assert (await client.get(f"/api/v1/staff/referrals/{rid}", headers=headers)).status_code == 200
    assert (await change(client, headers, rid, "in_triage")).status_code == 200


async def test_recording_feedback_twice_keeps_the_first_time_and_one_audit_row(
    client, staff_headers, clock
):
    body = await post(client, "valid_professional_with_consent")
    path = f"/api/v1/staff/referrals/{body['referral_id']}/feedback"
    first = await client.post(path, headers=staff_headers)
    clock.advance(hours=3)
    again = await client.post(path, headers=staff_headers)
    assert first.json()["feedback_given_at"] == "2026-03-02T09:00:00Z"
    assert again.status_code == 200
    assert again.json()["feedback_given_at"] == "2026-03-02T09:00:00Z"
    trail = await client.get(
        f"/api/v1/staff/referrals/{body['referral_id']}/audit", headers=staff_headers
    )
    actions = [e["action"] for e in trail.json()["items"]]
    assert actions.count("referral.feedback_given") == 1


async def test_every_read_of_personal_fields_is_audited_even_a_head(client, staff_headers):
    body = await post(client)
    path = f"/api/v1/staff/referrals/{body['referral_id']}"
    assert (await client.get(path, headers=staff_headers)).status_code == 200
    assert (await client.head(path, headers=staff_headers)).status_code == 200
    trail = (await client.get(path + "/audit", headers=staff_headers)).json()["items"]
    assert [e["action"] for e in trail].count("referral.read_personal") == 2
