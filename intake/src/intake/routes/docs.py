"""/docs, /docs/openapi.json and /docs/docs.css: the committed OpenAPI document, the page rendered
from it (intake/docs.py) and that page's stylesheet, all read once at start-up (`load`) and served
from memory. Registered unless INTAKE_DOCS=0."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import raw

from intake.docs import CSS_PATH, DOCS_CSP, DOCS_PATH, SPEC_PATH, docs_css, render_docs_html


@dataclass(frozen=True)
class Docs:
    """What the docs routes serve (`app.ctx.docs`)."""

    page: bytes
    spec: bytes  # the committed openapi.json, byte for byte
    css: bytes


def load(openapi_file: Path) -> Docs:
    """Read and rendered once, at start-up: a missing or broken document stops the service."""
    spec = openapi_file.read_bytes()
    page = render_docs_html(json.loads(spec)).encode()
    return Docs(page=page, spec=spec, css=docs_css())


bp = Blueprint("docs")


@bp.get(DOCS_PATH)
async def docs_page(request: Request):
    request.ctx.content_security_policy = DOCS_CSP
    return raw(request.app.ctx.docs.page, content_type="text/html; charset=utf-8")


@bp.get(SPEC_PATH)
async def docs_openapi(request: Request):
    return raw(request.app.ctx.docs.spec, content_type="application/json")


@bp.get(CSS_PATH)
async def docs_stylesheet(request: Request):
    return raw(request.app.ctx.docs.css, content_type="text/css; charset=utf-8")
