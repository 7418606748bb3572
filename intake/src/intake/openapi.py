"""The OpenAPI 3.1 description of the API, built from code and committed as intake/openapi.json.

The request body of POST /api/v1/referrals is the referral contract itself (OpenAPI 3.1 schemas
are JSON Schema 2020-12), so the spec and the contract cannot drift apart.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from intake.contract import load_contract
from intake.settings import CONTRACT_FILE
from intake.store import STATUSES

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SECURITY_HEADERS_NOTE = "Every response carries security headers and no-store caching."


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    return _json(_ref("Problem"), description)


def _contract_component() -> dict[str, Any]:
    """The contract, with its internal `#/$defs/...` references pointed inside the component."""
    contract = copy.deepcopy(load_contract(CONTRACT_FILE))
    contract.pop("$schema", None)
    contract.pop("$id", None)
    defs = contract.pop("$defs", {})

    def rewrite(node):
        if isinstance(node, dict):
            return {
                k: (
                    v.replace("#/$defs/", "#/components/schemas/Referral_")
                    if k == "$ref" and isinstance(v, str)
                    else rewrite(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    components = {"Referral": rewrite(contract)}
    for name, schema in defs.items():
        components[f"Referral_{name}"] = rewrite(schema)
    return components


def build_spec() -> dict[str, Any]:
    iso = {"type": "string", "format": "date-time"}
    iso_or_null = {"type": ["string", "null"], "format": "date-time"}
    rag = {"enum": ["red", "amber", "green", "none"]}
    status = {"enum": list(STATUSES)}
    field_error = {
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    }
    queue_entry = {
        "type": "object",
        "required": [
            "referral_id",
            "reference",
            "received_at",
            "channel",
            "preview",
            "referrer_type",
            "referrer_anonymous",
            "rag",
            "rag_reasons",
            "mash_response",
            "due_at",
            "overdue",
            "provisional_rag",
            "status",
            "status_changed_at",
            "feedback_due_at",
            "feedback_given_at",
        ],
        "properties": {
            "referral_id": {"type": "string", "format": "uuid"},
            "reference": {"type": "string", "pattern": "^SCS-[0-9]{4}-[0-9]{6,}$"},
            "received_at": iso,
            "channel": {"enum": ["webchat", "rest", "shell"]},
            "preview": {"type": "boolean"},
            "referrer_type": {"enum": ["public", "professional", "parent_carer"]},
            "referrer_anonymous": {"type": "boolean"},
            "rag": rag,
            "rag_reasons": {"type": "array", "items": {"type": "string"}},
            "mash_response": {"type": "string"},
            "due_at": iso_or_null,
            "overdue": {"type": "boolean"},
            "provisional_rag": rag,
            "status": status,
            "status_changed_at": iso,
            "feedback_due_at": iso_or_null,
            "feedback_given_at": iso_or_null,
        },
    }
    detail = copy.deepcopy(queue_entry)
    detail["required"] += ["referral", "provisional_triage", "status_history"]
    detail["properties"].update(
        {
            "referral": _ref("Referral"),
            "provisional_triage": {"type": ["object", "null"]},
            "status_history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["from_status", "to_status", "actor", "at", "reason"],
                    "properties": {
                        "from_status": status,
                        "to_status": status,
                        "actor": {"type": "string"},
                        "at": iso,
                        "reason": {"type": "string"},
                    },
                },
            },
        }
    )
    schemas: dict[str, Any] = {
        **_contract_component(),
        "Receipt": {
            "type": "object",
            "description": "What the assistant tells the person: the reference, the RAG and when.",
            "required": [
                "referral_id",
                "reference",
                "rag",
                "reasons",
                "mash_response",
                "received_at",
                "due_at",
                "feedback_due_at",
            ],
            "properties": {
                "referral_id": {"type": "string", "format": "uuid"},
                "reference": {"type": "string", "pattern": "^SCS-[0-9]{4}-[0-9]{6,}$"},
                "rag": rag,
                "reasons": {"type": "array", "items": {"type": "string"}},
                "mash_response": {"type": "string"},
                "received_at": iso,
                "due_at": iso_or_null,
                "feedback_due_at": iso_or_null,
            },
        },
        "Problem": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "errors": {"type": "array", "items": field_error},
            },
        },
        "QueueEntry": queue_entry,
        "ReferralDetail": detail,
        "StatusChange": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status", "reason"],
            "properties": {
                "status": status,
                "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
            },
        },
    }
    referral_id_param = {
        "name": "referral_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
    }
    staff_errors = {
        "401": _problem("Missing, wrong or expired staff token."),
        "404": _problem("No referral has this id."),
    }

    def flag(name, description):
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"enum": ["true", "false"]},
        }

    paths = {
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness and database reachability, for process managers.",
                "security": [],
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"status": {"const": "ok"}}}, "Up."
                    ),
                    "503": _json(
                        {"type": "object", "properties": {"status": {"const": "unavailable"}}},
                        "The database cannot be reached.",
                    ),
                },
            }
        },
        "/api/v1/referrals": {
            "post": {
                "operationId": "receiveReferral",
                "summary": "Receive a referral from the assistant.",
                "description": (
                    "The body is validated against contracts/referral.v1.schema.json. "
                    "`referral_id` is the idempotency key: the same id with the same body "
                    "returns the original receipt (200); with a different body, 409. The "
                    "service recomputes the triage; the assistant's provisional triage is kept "
                    "for comparison only. Rate limited per client. " + SECURITY_HEADERS_NOTE
                ),
                "security": [{"serviceToken": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Referral")}},
                },
                "responses": {
                    "201": _json(_ref("Receipt"), "Stored: the reference, RAG and due time."),
                    "200": _json(
                        _ref("Receipt"), "Already stored with this body: the original receipt."
                    ),
                    "400": _problem(
                        "The body is not strict JSON (UTF-8 text, no NaN or Infinity, no lone "
                        "surrogates)."
                    ),
                    "401": _problem("Missing or wrong service token."),
                    "409": _problem("This referral_id was stored with a different body."),
                    "413": _problem("The body is over 64 KiB."),
                    "415": _problem("The body is not application/json."),
                    "422": _problem(
                        "The referral breaks the contract; `errors` names every field."
                    ),
                    "429": _problem("Too many referrals from this client; see Retry-After."),
                },
            }
        },
        "/api/v1/staff/referrals": {
            "get": {
                "operationId": "listReferrals",
                "summary": "The MASH queue: queue fields only, most urgent first.",
                "description": (
                    "Preview referrals are kept out unless `preview=true`. Each filter may be "
                    "given once."
                ),
                "security": [{"staffToken": []}],
                "parameters": [
                    {"name": "rag", "in": "query", "required": False, "schema": rag},
                    {"name": "status", "in": "query", "required": False, "schema": status},
                    flag("overdue", "Open referrals past their due time."),
                    flag("preview", "Staff preview referrals instead of live ones."),
                    flag("feedback_due", "Professional referrers not yet told the decision."),
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 0, "maximum": 1000000},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items", "total", "limit", "offset"],
                            "properties": {
                                "items": {"type": "array", "items": _ref("QueueEntry")},
                                "total": {"type": "integer"},
                                "limit": {"type": "integer"},
                                "offset": {"type": "integer"},
                            },
                        },
                        "The queue.",
                    ),
                    "401": staff_errors["401"],
                    "422": _problem("A filter is not valid."),
                },
            }
        },
        "/api/v1/staff/referrals/{referral_id}": {
            "get": {
                "operationId": "readReferral",
                "summary": "One referral with its personal fields. The read is audited.",
                "security": [{"staffToken": []}],
                "parameters": [referral_id_param],
                "responses": {
                    "200": _json(_ref("ReferralDetail"), "The referral."),
                    **staff_errors,
                },
            }
        },
        "/api/v1/staff/referrals/{referral_id}/status": {
            "post": {
                "operationId": "changeReferralStatus",
                "summary": "Move a referral through the MASH outcomes, with a reason.",
                "description": (
                    "new → in_triage → s47_enquiry | s17_assessment | early_help | "
                    "universal_services | no_further_action → closed."
                ),
                "security": [{"staffToken": []}],
                "parameters": [referral_id_param],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("StatusChange")}},
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["referral_id", "status", "status_changed_at"],
                            "properties": {
                                "referral_id": {"type": "string"},
                                "status": status,
                                "status_changed_at": iso,
                            },
                        },
                        "Changed.",
                    ),
                    "400": _problem("The body is not JSON."),
                    **staff_errors,
                    "409": _problem("The referral cannot move to that status from where it is."),
                    "413": _problem("The body is over 64 KiB."),
                    "415": _problem("The body is not application/json."),
                    "422": _problem("The status or reason is not valid."),
                },
            }
        },
        "/api/v1/staff/referrals/{referral_id}/feedback": {
            "post": {
                "operationId": "recordFeedback",
                "summary": "Record that the professional referrer was told the decision.",
                "security": [{"staffToken": []}],
                "parameters": [referral_id_param],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["referral_id", "feedback_given_at"],
                            "properties": {
                                "referral_id": {"type": "string"},
                                "feedback_given_at": iso,
                            },
                        },
                        "Recorded (asked again, the answer gives the time first recorded).",
                    ),
                    **staff_errors,
                    "409": _problem("The referrer is not a professional: no feedback is owed."),
                },
            }
        },
        "/api/v1/staff/referrals/{referral_id}/audit": {
            "get": {
                "operationId": "referralAudit",
                "summary": "The audit trail of one referral: who read or changed it, and when.",
                "security": [{"staffToken": []}],
                "parameters": [referral_id_param],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["at", "actor", "action", "detail"],
                                        "properties": {
                                            "at": iso,
                                            "actor": {"type": "string"},
                                            "action": {"type": "string"},
                                            "referral_id": {"type": ["string", "null"]},
                                            "detail": {"type": "object"},
                                        },
                                    },
                                }
                            },
                        },
                        "The trail, oldest first (empty for an id never seen).",
                    ),
                    "401": staff_errors["401"],
                    "404": _problem("The id is not a UUID."),
                },
            }
        },
    }
    paths.update(_conversation_paths(iso, flag))
    schemas.update(CONVERSATION_SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Southampton Children's Services referral intake",
            "version": "1.0.0",
            "description": (
                "Receives referrals from the assistant, triages them (RAG) and keeps them safe "
                "for the Multi-Agency Safeguarding Hub."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "serviceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The assistant's service token (INTAKE_SERVICE_TOKEN).",
                },
                "staffToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff token from `python -m intake create-staff`.",
                },
            },
        },
    }


CONVERSATION_SCHEMAS: dict[str, Any] = {
    "ReviewBatch": {
        "type": "object",
        "required": ["messages"],
        "additionalProperties": False,
        "properties": {
            "messages": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": {"type": "object"},
            }
        },
    },
    "Tags": {
        "type": "object",
        "required": ["tags"],
        "additionalProperties": False,
        "properties": {
            "tags": {
                "type": "array",
                "maxItems": 20,
                "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9 _-]{0,39}$"},
            }
        },
    },
    "EventFlag": {
        "type": "object",
        "required": ["flagged"],
        "additionalProperties": False,
        "properties": {"flagged": {"type": "boolean"}},
    },
    "IntentCorrection": {
        "type": "object",
        "required": ["intent"],
        "additionalProperties": False,
        "properties": {
            "intent": {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_/.-]{0,99}$"}
        },
    },
}


def _conversation_paths(iso: dict[str, Any], flag) -> dict[str, Any]:
    """The review store: the assistant's event broker sends conversations in; staff review them."""
    cid = {
        "name": "conversation_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"},
    }
    event_id = {
        "name": "event_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    missing = _problem("No conversation (or event) has this id.")
    unauthorised = _problem("Missing, wrong or expired staff token.")
    anything = {"type": "object"}
    yaml_answer = {
        "description": "Rasa YAML, with a header saying what was removed.",
        "content": {"application/yaml": {}},
    }

    def staff_post(operation, summary, body, answer):
        return {
            "post": {
                "operationId": operation,
                "summary": summary + " Audited.",
                "security": [{"staffToken": []}],
                "parameters": [cid] + ([event_id] if "Event" in operation else []),
                **(
                    {
                        "requestBody": {
                            "required": True,
                            "content": {"application/json": {"schema": _ref(body)}},
                        }
                    }
                    if body
                    else {}
                ),
                "responses": {
                    "200": _json(anything, answer),
                    **(
                        {
                            "400": _problem("The body is not strict JSON."),
                            "415": _problem("The body is not application/json."),
                            "422": _problem("The body is not valid; `errors` says why."),
                        }
                        if body
                        else {}
                    ),
                    "401": unauthorised,
                    "404": missing,
                },
            }
        }

    intent_filter = {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_/.-]{0,99}$"}
    tag_filter = {"type": "string", "pattern": "^[a-z0-9][a-z0-9 _-]{0,39}$"}
    return {
        "/api/v1/conversation-events": {
            "post": {
                "operationId": "receiveConversationEvents",
                "summary": "Receive a batch of conversation events from the assistant's broker.",
                "description": (
                    "Messages of kind `event` (one of Rasa's events with its review fields), "
                    "`replaced` (the conversation as it now reads: a stopped referral) or "
                    "`erased` (quick exit, an abandoned referral). Each has a `message_id`, so a "
                    "batch sent twice is stored once. An event (`review.seq`, its place in the "
                    "tracker store) covered by an erasure or replacement already received "
                    "(`through`) is superseded and not stored. Invalid messages are refused one "
                    "by one, by index, and the rest stored. Events are stored sealed. Up to 1 MiB. "
                    + SECURITY_HEADERS_NOTE
                ),
                "security": [{"serviceToken": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ReviewBatch")}},
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "stored": {"type": "integer"},
                                "duplicates": {"type": "integer"},
                                "superseded": {"type": "integer"},
                                "erased": {"type": "integer"},
                                "replaced": {"type": "integer"},
                                "refused": {"type": "array", "items": anything},
                            },
                        },
                        "What was stored, and the messages refused (index and why).",
                    ),
                    "400": _problem("The body is not strict JSON."),
                    "401": _problem("Missing or wrong service token."),
                    "413": _problem("The body is over 1 MiB."),
                    "415": _problem("The body is not application/json."),
                    "422": _problem("The body is not a batch."),
                },
            }
        },
        "/api/v1/staff/conversations": {
            "get": {
                "operationId": "listConversations",
                "summary": "Conversations for review, the most recent first. Audited.",
                "description": "Preview conversations are kept apart: `preview=true` lists them.",
                "security": [{"staffToken": []}],
                "parameters": [
                    {"name": "from", "in": "query", "required": False, "schema": iso},
                    {"name": "to", "in": "query", "required": False, "schema": iso},
                    flag("preview", "Staff preview conversations instead of live ones."),
                    flag("referral", "Conversations that produced a referral (or not)."),
                    flag("fallback", "Conversations with a fallback (or without)."),
                    {
                        "name": "below",
                        "in": "query",
                        "required": False,
                        "description": "A message's intent confidence under this.",
                        "schema": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                    flag("safety_net", "The safety net changed an intent."),
                    {"name": "intent", "in": "query", "required": False, "schema": intent_filter},
                    flag("reviewed", "Marked reviewed (or not)."),
                    {"name": "tag", "in": "query", "required": False, "schema": tag_filter},
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 0, "maximum": 1000000},
                    },
                ],
                "responses": {
                    "200": _json(anything, "`items`, `total`, `limit`, `offset`."),
                    "401": unauthorised,
                    "422": _problem("A filter is not valid."),
                },
            }
        },
        "/api/v1/staff/conversations/{conversation_id}": {
            "get": {
                "operationId": "readConversation",
                "summary": "One conversation with every event opened. Audited.",
                "security": [{"staffToken": []}],
                "parameters": [cid],
                "responses": {
                    "200": _json(anything, "The conversation and its `events`."),
                    "401": unauthorised,
                    "404": missing,
                },
            }
        },
        "/api/v1/staff/conversations/{conversation_id}/tags": staff_post(
            "tagConversation",
            "Replace a conversation's tags.",
            "Tags",
            "The tags.",
        ),
        "/api/v1/staff/conversations/{conversation_id}/reviewed": staff_post(
            "markConversationReviewed", "Mark a conversation reviewed.", None, "Who and when."
        ),
        "/api/v1/staff/conversations/{conversation_id}/events/{event_id}/flag": staff_post(
            "flagEvent",
            "Flag (or unflag) one event.",
            "EventFlag",
            "The flag.",
        ),
        "/api/v1/staff/conversations/{conversation_id}/events/{event_id}/correction": staff_post(
            "correctEvent",
            "Record the intent a person's message should have had.",
            "IntentCorrection",
            "The correction.",
        ),
        "/api/v1/staff/conversations/{conversation_id}/story": {
            "get": {
                "operationId": "exportStory",
                "summary": "The conversation as a Rasa test story, stripped. Audited.",
                "security": [{"staffToken": []}],
                "parameters": [cid],
                "responses": {"200": yaml_answer, "401": unauthorised, "404": missing},
            }
        },
        "/api/v1/staff/exports/nlu": {
            "get": {
                "operationId": "exportNlu",
                "summary": "Every corrected message as Rasa NLU training data, stripped. Audited.",
                "security": [{"staffToken": []}],
                "responses": {"200": yaml_answer, "401": unauthorised},
            }
        },
    }


def render_spec() -> str:
    return json.dumps(build_spec(), indent=2, ensure_ascii=False) + "\n"
