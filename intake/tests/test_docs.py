"""/docs is self-contained: the committed OpenAPI document rendered as escaped HTML on the server,
with nothing loaded from another host, and the raw document next to it."""

import json
import re
from html.parser import HTMLParser

import pytest

from intake.docs import DOCS_CSP, operations, render_docs_html
from intake.settings import OPENAPI_FILE

# Every attribute through which a page can make the browser fetch or navigate somewhere.
URL_ATTRIBUTES = {
    "src",
    "href",
    "action",
    "formaction",
    "data",
    "poster",
    "srcset",
    "background",
    "cite",
    "manifest",
    "ping",
    "xlink:href",
}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.urls.append(f"inline {name} attribute")

    def handle_data(self, data):
        self.text.append(data)


def parse(html_text: str) -> Page:
    page = Page()
    page.feed(html_text)
    page.close()
    return page


def committed_spec() -> dict:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def points_elsewhere(url: str) -> bool:
    """True for any URL that could reach another host: a scheme, or `//host/...`."""
    url = url.strip()
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url)) or url.startswith(("//", "\\\\"))


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


async def test_docs_references_no_other_host(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.urls, "the page links its stylesheet and the raw document"
    assert [u for u in page.urls if points_elsewhere(u)] == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", response.text, re.I)
    # No script at all, and no inline styles (the policy below would refuse them anyway).
    assert "script" not in page.tags
    assert "style" not in page.tags
    assert "iframe" not in page.tags


async def test_docs_content_security_policy_names_no_outside_host(client):
    policy = (await client.get("/docs")).headers["content-security-policy"]
    directives = csp_directives(policy)
    assert directives["default-src"] == ["'none'"]
    for name, sources in directives.items():
        for source in sources:
            # Only this origin, or nothing: no host, no scheme, no wildcard, no inline escape hatch.
            assert source in {"'none'", "'self'"}, (name, source)
    assert directives["frame-ancestors"] == ["'none'"]
    assert "script-src" not in directives  # falls back to default-src 'none'


async def test_everything_the_docs_page_loads_is_served_here(client):
    page = parse((await client.get("/docs")).text)
    local = [u for u in page.urls if not u.startswith("#")]
    assert sorted(local) == ["/docs/docs.css", "/docs/openapi.json"]
    css = await client.get("/docs/docs.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert not re.search(r"url\s*\(|@import", css.text), "the stylesheet fetches nothing"
    anchors = {u[1:] for u in page.urls if u.startswith("#")}
    ids = set(re.findall(r'id="([^"]+)"', (await client.get("/docs")).text))
    assert anchors <= ids, "every in-page link has its target"


async def test_the_raw_document_is_the_committed_file_byte_for_byte(client):
    served = await client.get("/docs/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.content == OPENAPI_FILE.read_bytes()


def words(text: str) -> str:
    return " ".join(text.split())


async def test_the_page_shows_every_operation_of_the_committed_document(client):
    text = words(" ".join(parse((await client.get("/docs")).text).text))
    spec = committed_spec()
    found = operations(spec)
    assert len(found) == sum(len(item) for item in spec["paths"].values())
    for path, method, operation in found:
        assert f"{method.upper()} {path}" in text, (method, path)
        assert words(operation["summary"]) in text
        if operation.get("description"):
            assert words(operation["description"]) in text
        body = operation.get("requestBody")
        if body:
            ref = body["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[-1] in text
        for status, response in operation["responses"].items():
            assert status in text
            assert words(response["description"]) in text
    for name in spec["components"]["schemas"]:
        assert name in text


def test_text_from_the_document_is_escaped_not_interpreted():
    spec = committed_spec()
    hostile = '<script src="https://evil.example/x.js"></script><img src=x onerror=alert(1)>'
    spec["info"]["title"] = hostile
    spec["paths"]["/healthz"]["get"]["summary"] = hostile
    spec["components"]["schemas"]["Problem"]["description"] = hostile
    rendered = render_docs_html(spec)
    page = parse(rendered)
    assert "script" not in page.tags and "img" not in page.tags
    assert [u for u in page.urls if points_elsewhere(u)] == []
    assert hostile in " ".join(page.text)  # shown, as text


async def test_docs_can_be_turned_off(make_client):
    client = await make_client(docs_enabled=False)
    for path in ("/docs", "/docs/openapi.json", "/docs/docs.css"):
        assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize("path", ["/docs/openapi.json", "/docs/docs.css", "/healthz"])
async def test_only_the_docs_page_gets_the_docs_policy(client, path):
    from intake.app import SECURITY_HEADERS

    response = await client.get(path)
    assert (
        response.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    )
    assert response.headers["content-security-policy"] != DOCS_CSP
