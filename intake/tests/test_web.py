"""The public chat page, its privacy notice, the quick-exit page and the widget's built assets:
served from memory, with their own policy and headers, placeholders filled in as escaped text, and
nothing reachable but the files web/dist held at start-up."""

import logging
import os
from dataclasses import replace
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from conftest import TEST_DIST, make_web_dir

from intake.app import SECURITY_HEADERS, create_app
from intake.settings import REPO_ROOT
from intake.web import PAGES, load_site, page_content_security_policy, render_page

PAGE_ROUTES = list(PAGES)
DEFAULT_CSP = SECURITY_HEADERS["Content-Security-Policy"]
DEFAULT_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' ws://127.0.0.1:5005 http://127.0.0.1:5005; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The headers a page or an asset keeps exactly as every other answer has them.
KEPT_HEADERS = [
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Strict-Transport-Security",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
]
REAL_PAGES = REPO_ROOT / "web" / "pages"
REAL_DIST = REPO_ROOT / "web" / "dist"


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_not_found(response):
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "not_found",
        "message": "There is nothing at this address.",
    }
    assert response.headers["content-security-policy"] == DEFAULT_CSP
    assert response.headers["cross-origin-resource-policy"] == "same-origin"


async def raw_get(client, raw_path: bytes) -> tuple[int, dict[str, str], bytes]:
    """GET with the path exactly as given: httpx (like a browser) removes `..` segments first."""
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    path, _, query = raw_path.partition(b"?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(path.decode("latin-1")),
        "raw_path": path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"intake.test")],
        "client": ("192.0.2.44", 50000),
        "server": ("intake.test", 80),
    }
    await client.app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body


# --- the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("route", PAGE_ROUTES)
async def test_each_page_is_served_as_html_with_its_own_policy_and_every_other_header(
    client, route
):
    response = await client.get(route)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == DEFAULT_PAGE_CSP
    for header in KEPT_HEADERS:
        assert response.headers[header] == SECURITY_HEADERS[header], header
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    assert response.text.startswith("<!DOCTYPE html>")


async def test_the_page_policy_lets_the_widget_reach_the_chat_server_and_nothing_else(client):
    response = await client.get("/")
    policy = csp_directives(response.headers["content-security-policy"])
    assert policy["connect-src"] == ["'self'", "ws://127.0.0.1:5005", "http://127.0.0.1:5005"]
    for directive in ("script-src", "style-src", "font-src", "form-action"):
        assert policy[directive] == ["'self'"], directive
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["default-src"] == policy["frame-ancestors"] == policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("socket_url", "connect_src"),
    [
        ("https://chat.southampton.gov.uk", "wss://chat.southampton.gov.uk https://chat.southampton.gov.uk"),
        ("https://Chat.Example.org:8443/socket.io/", "wss://chat.example.org:8443 https://chat.example.org:8443"),
        ("http://[::1]:5005", "ws://[::1]:5005 http://[::1]:5005"),
        ("http://127.0.0.1:5005/?a=1&b=2", "ws://127.0.0.1:5005 http://127.0.0.1:5005"),
    ],
)  # fmt: skip
def test_the_chat_servers_origins_are_its_scheme_host_and_port_only(socket_url, connect_src):
    policy = csp_directives(page_content_security_policy(socket_url))
    assert policy["connect-src"] == ["'self'", *connect_src.split()]


async def test_the_placeholders_are_replaced_by_the_configured_urls_escaped(make_client):
    client = await make_client(
        chat_socket_url="https://chat.example.org/?a=1&b=2",
        exit_url="https://neutral.example.org/weather?town=Southampton&day=today",
    )
    text = (await client.get("/")).text
    assert 'data-socket-url="https://chat.example.org/?a=1&amp;b=2"' in text
    assert 'href="https://neutral.example.org/weather?town=Southampton&amp;day=today"' in text
    assert "{{" not in text and "}}" not in text
    assert "a=1&b" not in text  # never unescaped
    policy = (await client.get("/")).headers["content-security-policy"]
    assert "wss://chat.example.org https://chat.example.org;" in policy


def test_a_value_that_looks_like_a_placeholder_is_not_filled_in_again():
    page = render_page(
        "<a data-s='{{ socket_url }}' href='{{ exit_url }}'>",
        socket_url="https://chat.example.org/{{ exit_url }}",
        exit_url="https://neutral.example.org/",
    )
    assert page == (
        "<a data-s='https://chat.example.org/{{ exit_url }}' href='https://neutral.example.org/'>"
    )


@pytest.mark.parametrize("mistake", ["{{socket_url}}", "{{ socket-url }}", "{{ chat_url }}"])
def test_a_misspelt_placeholder_stops_the_service_naming_the_page(tmp_path, mistake):
    web = make_web_dir(tmp_path / "web")
    (web / "pages" / "privacy.html").write_text(f"<p data-x='{mistake}'></p>")
    with pytest.raises(ValueError, match=r"web/pages/privacy\.html"):
        load_site(web, socket_url="http://127.0.0.1:5005", exit_url="https://example.org/")


def test_a_missing_page_stops_the_service_naming_it(tmp_path, settings, store):
    web = make_web_dir(tmp_path / "web")
    (web / "pages" / "exit.html").unlink()
    with pytest.raises(FileNotFoundError, match=r"exit\.html is missing"):
        create_app(replace(settings, web_dir=web), store, name="intake_missing_page")


async def test_quick_exit_clears_the_sites_storage_and_only_quick_exit_does(client):
    leaving = await client.get("/exit")
    assert leaving.status_code == 200
    assert leaving.headers["clear-site-data"] == '"storage"'
    for route in ("/", "/privacy"):
        assert "clear-site-data" not in (await client.get(route)).headers, route


@pytest.mark.parametrize("route", PAGE_ROUTES)
async def test_head_answers_a_page_with_its_headers_and_no_body(client, route):
    response = await client.head(route)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == DEFAULT_PAGE_CSP


async def test_a_page_answers_no_other_method(client):
    response = await client.post("/", content=b"x")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


# --- the assets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("chat.js", "text/javascript; charset=utf-8"),
        ("chat.css", "text/css; charset=utf-8"),
        ("page.css", "text/css; charset=utf-8"),
        ("chat.js.map", "application/json"),
        ("assets/images/logo.svg", "image/svg+xml"),
    ],
)
async def test_each_built_file_is_served_with_its_type_for_other_sites_to_embed(
    client, path, content_type
):
    response = await client.get(f"/assets/{path}")
    assert response.status_code == 200
    assert response.content == TEST_DIST[path]
    assert response.headers["content-type"] == content_type
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"].startswith('"')
    for header in KEPT_HEADERS:
        assert response.headers[header] == SECURITY_HEADERS[header], header
    # An asset opened on its own (an SVG, say) runs nothing.
    assert response.headers["content-security-policy"] == DEFAULT_CSP


async def test_an_asset_the_browser_already_has_is_answered_304_without_a_body(client):
    first = await client.get("/assets/chat.js")
    etag = first.headers["etag"]
    for asked in (etag, f"W/{etag}", f'"other", {etag}'):
        again = await client.get("/assets/chat.js", headers={"If-None-Match": asked})
        assert again.status_code == 304, asked
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cross-origin-resource-policy"] == "cross-origin"
    changed = await client.get("/assets/chat.js", headers={"If-None-Match": '"older"'})
    assert changed.status_code == 200
    assert changed.content == TEST_DIST["chat.js"]


async def test_head_answers_an_asset_with_its_headers_and_no_body(client):
    response = await client.head("/assets/chat.css")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"


async def test_a_file_added_to_dist_after_start_up_is_not_served(client, web_dir):
    (web_dir / "dist" / "later.js").write_text("alert(1)")
    assert_not_found(await client.get("/assets/later.js"))


@pytest.mark.parametrize(
    "path",
    [
        "/assets/nothing.js",
        "/assets/.built",  # hidden files (the build's stamp) are not assets
        "/assets/CHAT.JS",
        "/assets/chat.js/",
        "/assets/assets",
        "/assets/",
        "/assets",
        "/assets/..%2Fpages%2Findex.html",
        "/assets/%2e%2e/pages/index.html",
        "/assets/%2E%2E%2Fpages%2Findex.html",
        "/assets/%252e%252e%252fpages%252findex.html",
        "/assets/..%5Cpages%5Cindex.html",
        "/assets/%2Fetc%2Fpasswd",
        "/assets//etc/passwd",
        "/assets/%00",
        "/assets/%ff%fe",
        "/assets/chat.js%00.png",
    ],
)
async def test_anything_but_a_built_file_is_a_json_404(client, path):
    assert_not_found(await client.get(path))


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/assets/../pages/index.html",
        b"/assets/../../intake.db",
        b"/assets/assets/../chat.js",
        b"/assets/./chat.js",
        b"/assets/images/../../pages/exit.html",
        b"/assets/..\\pages\\index.html",
    ],
)
async def test_dot_segments_sent_as_they_are_reach_nothing(client, raw_path):
    served = await raw_get(client, b"/assets/chat.js")
    assert served[0] == 200 and served[2] == TEST_DIST["chat.js"]  # the request reaches the app
    status, headers, body = await raw_get(client, raw_path)
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert b"not_found" in body and b"<html" not in body.lower()


async def test_a_link_in_dist_to_a_file_outside_it_is_not_served(
    tmp_path, settings, store, make_client
):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the public")
    web = make_web_dir(tmp_path / "linked")
    (web / "dist" / "secret.txt").symlink_to(secret)
    (web / "dist" / "inside.css").symlink_to(web / "dist" / "chat.css")
    client = await make_client(web_dir=web)
    assert_not_found(await client.get("/assets/secret.txt"))
    assert (await client.get("/assets/inside.css")).content == TEST_DIST["chat.css"]


# --- switched off, not built -------------------------------------------------------------------


async def test_with_the_web_switched_off_none_of_its_addresses_exist(make_client):
    client = await make_client(web_enabled=False)
    for path in (*PAGE_ROUTES, "/assets/chat.js", "/assets/page.css"):
        assert_not_found(await client.get(path))
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    ("dist", "missing"),
    [
        (None, "chat.js, page.css"),  # never built: no dist folder at all
        ({"chat.css": b"x"}, "chat.js, page.css"),
        ({"chat.js": b"x", "chat.css": b"x"}, "page.css"),
    ],
)
async def test_an_unbuilt_widget_warns_once_and_the_page_is_still_served(
    tmp_path, make_client, caplog, dist, missing
):
    web = make_web_dir(tmp_path / "unbuilt", dist=dist)
    with caplog.at_level(logging.WARNING, logger="intake"):
        client = await make_client(web_dir=web)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "run `make install`" in message
    assert f"({missing} missing from {web / 'dist'})" in message
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == DEFAULT_PAGE_CSP
    assert_not_found(await client.get("/assets/page.css"))


async def test_a_built_widget_starts_without_a_warning(make_client, caplog):
    with caplog.at_level(logging.WARNING, logger="intake"):
        await make_client()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- logs --------------------------------------------------------------------------------------


async def test_the_access_log_names_the_route_never_the_path_or_query_asked_for(client, caplog):
    with caplog.at_level(logging.INFO, logger="intake.access"):
        await client.get("/assets/chat.js?child=Leo+Hughes")
        await client.get("/assets/Leo-Hughes.js")
        await client.get("/privacy?from=Bitterne")
        await client.head("/assets/page.css")
    lines = [r.getMessage() for r in caplog.records if r.name == "intake.access"]
    assert [line.rsplit(" ", 1)[0] for line in lines] == [
        "GET /assets/<path:path> 200",
        "GET /assets/<path:path> 404",
        "GET /privacy 200",
        "HEAD /assets/<path:path> 200",
    ]
    text = "\n".join(r.getMessage() for r in caplog.records)
    for asked in ("chat.js", "Leo", "Hughes", "Bitterne", "page.css", "192.0.2.44"):
        assert asked not in text, asked


# --- the real pages ----------------------------------------------------------------------------


class PageParts(HTMLParser):
    """What a Content-Security-Policy acts on: scripts, stylesheets, inline code and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []  # <script src>, <link href> (stylesheet, icon)
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.loads.append(attributes["src"])
            else:
                self._in_script = True
        if tag == "link" and attributes.get("href"):
            self.loads.append(attributes["href"])
        if tag == "style":
            self.inline.append("<style>")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{tag} {name}=")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append("inline <script>")


def real_pages() -> list[str]:
    if not REAL_PAGES.is_dir():
        message = f"{REAL_PAGES} does not exist yet (the front-end writes it)"
        if os.environ.get("CI"):
            pytest.fail(message + ": in CI the real pages must be there", pytrace=False)
        pytest.skip(message)
    return [REAL_PAGES / filename for filename in PAGES.values()]


def test_the_real_pages_render_with_every_placeholder_filled_in():
    socket_url = "https://chat.example.org/?a=1&b=2"
    exit_url = "https://neutral.example.org/?x=1&y=2"
    rendered = {}
    for path in real_pages():
        assert path.is_file(), f"{path} is missing"
        rendered[path.name] = render_page(
            path.read_text(encoding="utf-8"),
            socket_url=socket_url,
            exit_url=exit_url,
            name=path.name,
        )
        assert "{{" not in rendered[path.name] and "}}" not in rendered[path.name], path.name
    # The chat page tells the widget where the chat server is; quick exit where to go.
    assert "https://chat.example.org/?a=1&amp;b=2" in rendered["index.html"]
    assert "https://neutral.example.org/?x=1&amp;y=2" in rendered["exit.html"]


def test_the_real_pages_load_only_from_this_origin_what_their_policy_allows():
    """The policy forbids inline code and styles and anything from another host: a page that
    needed them would break silently in the browser, so it fails here."""
    built = {p.relative_to(REAL_DIST).as_posix() for p in REAL_DIST.rglob("*") if p.is_file()}
    for path in real_pages():
        parts = PageParts()
        parts.feed(path.read_text(encoding="utf-8"))
        parts.close()
        assert parts.inline == [], path.name
        for url in parts.loads:
            if url.startswith("data:"):
                continue  # the empty icon (img-src allows data:)
            assert url.startswith("/assets/") and "//" not in url, (path.name, url)
            # Before the first build there is nothing to compare with (start-up warns of that).
            if built:
                assert url.removeprefix("/assets/") in built, (path.name, url)
