"""POST /api/v1/referrals: the assistant sends a referral; it is checked against the contract v1,
triaged on the server and stored once (its referral_id is the idempotency key).

Rate limited per client before the token is checked (`limits` in app.py, by this route).
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from intake.contract import validate_referral
from intake.routes.deps import json_body, problem, service_only
from intake.store import ReferralConflict

REFERRALS_PATH = "/api/v1/referrals"

bp = Blueprint("referrals")


@bp.post(REFERRALS_PATH)
@service_only
async def receive_referral(request: Request):
    payload = json_body(request, "Send the referral as application/json.")
    if isinstance(payload, HTTPResponse):
        return payload
    errors = validate_referral(payload, request.app.ctx.settings.contract_file)
    if errors:
        return problem(
            422,
            "invalid_referral",
            "The referral does not match the referral contract v1.",
            errors=[e.as_dict() for e in errors],
        )
    try:
        receipt, created = await request.app.ctx.store.receive(payload)
    except ReferralConflict:
        return problem(
            409,
            "referral_id_conflict",
            "This referral_id was already received with a different body.",
        )
    return json_response(receipt.as_dict(), status=201 if created else 200)
