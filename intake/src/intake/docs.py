"""The /docs page: the committed OpenAPI document rendered on the server as plain, escaped HTML.

No script, no font, no image and nothing from another host: the page is the HTML below, its one
stylesheet (`docs.css`, served from /docs/docs.css) and a link to the raw document
(/docs/openapi.json). Every piece of text from the document goes through `html.escape`, so a
summary or description holding markup is shown as text.
"""

from __future__ import annotations

import html
import re
from importlib.resources import files
from typing import Any

DOCS_PATH = "/docs"
SPEC_PATH = "/docs/openapi.json"
CSS_PATH = "/docs/docs.css"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The page's own policy: its stylesheet from this origin, nothing else from anywhere.
DOCS_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def docs_css() -> bytes:
    return files("intake").joinpath("docs.css").read_bytes()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _anchor(prefix: str, name: str) -> str:
    return prefix + "-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _schema_link(ref: str) -> str:
    name = _schema_name(ref)
    return f'<a href="#{_anchor("schema", name)}">{_e(name)}</a>'


def describe(schema: Any) -> str:
    """A short, escaped, human description of a schema (`string, at most 200 characters`)."""
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        return _schema_link(schema["$ref"])
    parts: list[str] = []
    if "const" in schema:
        parts.append("always <code>" + _e(_json_text(schema["const"])) + "</code>")
    if "enum" in schema:
        parts.append(
            "one of " + ", ".join("<code>" + _e(_json_text(v)) + "</code>" for v in schema["enum"])
        )
    for key in ("oneOf", "anyOf"):
        if key in schema:
            parts.append(" or ".join(describe(s) for s in schema[key]))
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if "array" in kinds:
            text = "array of " + describe(schema.get("items"))
            kinds = [k for k in kinds if k != "array"]
            parts.append(" or ".join([text, *(_e(k) for k in kinds)]))
        else:
            parts.append(" or ".join(_e(k) for k in kinds))
    notes = []
    for key, label in (
        ("format", "format"),
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minimum", "at least {}"),
        ("maximum", "at most {}"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("pattern", "matching <code>{}</code>"),
    ):
        if key in schema:
            value = _e(schema[key])
            notes.append(f"format {value}" if key == "format" else label.format(value))
    if schema.get("uniqueItems"):
        notes.append("no repeats")
    text = "; ".join(p for p in parts if p) or ("object" if "properties" in schema else "any")
    return text + (" (" + ", ".join(notes) + ")" if notes else "")


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _property_rows(schema: dict[str, Any], prefix: str = "", depth: int = 0) -> list[str]:
    """One table row per property; inline objects are opened one level at a time (dotted names)."""
    rows = []
    required = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        dotted = prefix + name
        description = sub.get("description", "") if isinstance(sub, dict) else ""
        rows.append(
            "<tr>"
            f"<td><code>{_e(dotted)}</code></td>"
            f"<td>{describe(sub)}</td>"
            f"<td>{'yes' if name in required else 'no'}</td>"
            f"<td>{_e(description)}</td>"
            "</tr>"
        )
        if isinstance(sub, dict) and "properties" in sub and depth < 3:
            rows += _property_rows(sub, dotted + ".", depth + 1)
    return rows


def _properties_table(schema: dict[str, Any]) -> str:
    rows = _property_rows(schema)
    if not rows:
        return ""
    return (
        "<table><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _security(operation: dict[str, Any], spec: dict[str, Any]) -> str:
    requirements = operation.get("security", spec.get("security", []))
    names = [name for requirement in requirements for name in requirement]
    if not names:
        return "none"
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    described = []
    for name in names:
        scheme = schemes.get(name, {})
        detail = scheme.get("scheme") or scheme.get("type") or ""
        text = f"<code>{_e(name)}</code>"
        if detail:
            text += f" ({_e(detail)})"
        if scheme.get("description"):
            text += ": " + _e(scheme["description"])
        described.append(text)
    return "; ".join(described)


def _body_schemas(content: dict[str, Any]) -> str:
    items = []
    for media_type, media in (content or {}).items():
        schema = (media or {}).get("schema")
        items.append(f"<code>{_e(media_type)}</code>: {describe(schema)}")
    return "<br>".join(items)


def _operation(path: str, method: str, operation: dict[str, Any], spec: dict[str, Any]) -> str:
    op_id = operation.get("operationId") or f"{method}_{path}"
    out = [
        f'<section class="operation" id="{_anchor("op", op_id)}">',
        f'<h3><span class="method">{_e(method.upper())}</span> <code>{_e(path)}</code></h3>',
        f'<p class="summary">{_e(operation.get("summary", ""))}</p>',
    ]
    if operation.get("description"):
        out.append(f"<p>{_e(operation['description'])}</p>")
    out.append("<dl>")
    out.append(f"<dt>Operation id</dt><dd><code>{_e(op_id)}</code></dd>")
    out.append(f"<dt>Authentication</dt><dd>{_security(operation, spec)}</dd>")
    parameters = operation.get("parameters") or []
    if parameters:
        rows = "".join(
            "<tr>"
            f"<td><code>{_e(p.get('name', ''))}</code></td>"
            f"<td>{_e(p.get('in', ''))}</td>"
            f"<td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{describe(p.get('schema'))}</td>"
            f"<td>{_e(p.get('description', ''))}</td>"
            "</tr>"
            for p in parameters
        )
        out.append(
            "<dt>Parameters</dt><dd><table><thead><tr><th>Name</th><th>In</th>"
            "<th>Required</th><th>Schema</th><th>Description</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></dd>"
        )
    body = operation.get("requestBody")
    if body:
        required = " (required)" if body.get("required") else ""
        out.append(
            f"<dt>Request body{required}</dt><dd>{_body_schemas(body.get('content', {}))}</dd>"
        )
    out.append("</dl>")
    rows = "".join(
        "<tr>"
        f"<td><code>{_e(status)}</code></td>"
        f"<td>{_e((response or {}).get('description', ''))}</td>"
        f"<td>{_body_schemas((response or {}).get('content', {}))}</td>"
        "</tr>"
        for status, response in sorted((operation.get("responses") or {}).items())
    )
    out.append(
        "<h4>Responses</h4><table><thead><tr><th>Status</th><th>Description</th>"
        f"<th>Body</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    out.append("</section>")
    return "\n".join(out)


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation in the document, in document order."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                found.append((path, method, item[method]))
    return found


def render_docs_html(spec: dict[str, Any]) -> str:
    """The whole /docs page for an OpenAPI document."""
    info = spec.get("info") or {}
    title = info.get("title", "API")
    found = operations(spec)
    index = "".join(
        f'<li><a href="#{_anchor("op", op.get("operationId") or f"{method}_{path}")}">'
        f'<span class="method">{_e(method.upper())}</span> <code>{_e(path)}</code></a> '
        f"{_e(op.get('summary', ''))}</li>"
        for path, method, op in found
    )
    schemas = (spec.get("components") or {}).get("schemas") or {}
    schema_sections = "".join(
        f'<section class="schema" id="{_anchor("schema", name)}"><h3>{_e(name)}</h3>'
        + (f"<p>{_e(schema['description'])}</p>" if schema.get("description") else "")
        + f"<p>{describe(schema)}</p>"
        + _properties_table(schema)
        + "</section>"
        for name, schema in schemas.items()
        if isinstance(schema, dict)
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{_e(title)}</title>",
            f'<link rel="stylesheet" href="{CSS_PATH}">',
            "</head>",
            "<body>",
            "<header>",
            f"<h1>{_e(title)}</h1>",
            f"<p>Version {_e(info.get('version', ''))}, OpenAPI {_e(spec.get('openapi', ''))}.</p>",
            f"<p>{_e(info.get('description', ''))}</p>",
            f'<p>The machine-readable document: <a href="{SPEC_PATH}">openapi.json</a>.</p>',
            "</header>",
            "<main>",
            '<nav><h2>Operations</h2><ul class="index">' + index + "</ul></nav>",
            '<h2 id="operations">Operations in detail</h2>',
            *(_operation(path, method, op, spec) for path, method, op in found),
            '<h2 id="schemas">Schemas</h2>',
            schema_sections,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
