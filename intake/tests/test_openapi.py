"""The OpenAPI document is generated from code, committed, and served at /docs."""

import json
import re

from intake.openapi import build_spec, render_spec
from intake.settings import OPENAPI_FILE


def test_committed_openapi_matches_what_the_code_generates():
    assert OPENAPI_FILE.read_text(encoding="utf-8") == render_spec(), (
        "intake/openapi.json is stale: run `make -C intake openapi` and commit it"
    )


def test_the_referral_request_body_is_the_shared_contract():
    spec = build_spec()
    body = spec["paths"]["/api/v1/referrals"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Referral"
    }
    referral = spec["components"]["schemas"]["Referral"]
    assert referral["required"][:3] == ["schema_version", "referral_id", "submitted_at"]


async def test_the_app_serves_the_committed_document_and_a_docs_page(client):
    served = await client.get("/docs/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    page = await client.get("/docs")
    assert page.status_code == 200
    assert build_spec()["info"]["title"].replace("'", "&#x27;") in page.text
    # Self-contained (test_docs.py has the details): no script, no other host.
    assert "<script" not in page.text
    assert "https://" not in page.headers["content-security-policy"]


# Served, but not part of the API, so not in the document: /docs (the document itself, as HTML,
# and its stylesheet) and the public chat page, privacy notice, quick-exit page and the widget's
# assets (web.py), which are for browsers; and the staff console's pages under /staff
# (routes/console/), HTML for people signed in with a session, not the bearer-token API.
# Everything else the app serves must be documented, so schemathesis (test_live_server.py)
# exercises it.
NOT_API_ROUTES = {
    "/docs",
    "/docs/openapi.json",
    "/docs/docs.css",
    "/",
    "/privacy",
    "/exit",
    "/assets/<path:path>",
}
CONSOLE_PREFIX = "/staff"


async def test_every_route_but_the_docs_and_the_public_pages_is_in_the_document(client):
    served: set[tuple[str, str]] = set()
    for route in client.app.router.routes:
        path = "/" + route.path
        for method in route.methods - {"HEAD", "OPTIONS"}:
            served.add((method.lower(), path))
    assert {path for _, path in served} >= NOT_API_ROUTES, "NOT_API_ROUTES names a route no more"
    # <referral_id:uuid> -> {referral_id}
    api = {
        (method, re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", path))
        for method, path in served
        if path not in NOT_API_ROUTES and not path.startswith(CONSOLE_PREFIX)
    }
    documented = {(m, path) for path, item in build_spec()["paths"].items() for m in item}
    assert api == documented
