"""The OpenAPI document is generated from code, committed, and served at /docs."""

import json

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
