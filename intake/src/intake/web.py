"""The public chat page, its privacy notice, the quick-exit page and the chat widget's built assets.

Read once, at start-up, and served from memory (like /docs). The three pages come from
`web/pages/` with their two placeholders, `{{ socket_url }}` and `{{ exit_url }}`, replaced by the
configured URLs, HTML-escaped. The assets are every file `web/dist/` held at start-up (`npm run
build` makes them), looked up by their exact relative path in a dict: a path that is not one of
those names, `../` and its encodings included, reaches nothing on disk.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from intake.settings import url_origins

# route -> file under web/pages
PAGES = {"/": "index.html", "/privacy": "privacy.html", "/exit": "exit.html"}
ASSETS_ROUTE = "/assets/<path:path>"
# Without these the page has no chat and no style; it is still served (it gives the phone numbers).
REQUIRED_ASSETS = ("chat.js", "page.css")
HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".html": HTML,
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
# Quick exit: the browser wipes this site's storage (the conversation id kept in sessionStorage)
# as the person leaves.
EXIT_HEADERS = {"Clear-Site-Data": '"storage"'}
# Assets differ from the other answers in two headers: a council site on another origin embeds
# chat.js and chat.css, and their names carry no hash, so a browser may keep them but must ask
# (If-None-Match, answered 304) before using them again. Everything else stays no-store.
ASSET_HEADERS = {"Cross-Origin-Resource-Policy": "cross-origin", "Cache-Control": "no-cache"}
_PLACEHOLDER = re.compile(r"\{\{ (socket_url|exit_url) \}\}")


@dataclass(frozen=True)
class Page:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


@dataclass(frozen=True)
class Site:
    """Everything the public routes serve, built once by `load_site`."""

    pages: dict[str, Page]  # by route
    assets: dict[str, Asset]  # by path relative to web/dist, with `/` separators
    content_security_policy: str  # the pages' policy
    missing_assets: tuple[str, ...]  # of REQUIRED_ASSETS: the widget has not been built

    def asset(self, path: str) -> Asset | None:
        """The asset at exactly this path (percent-decoded), or None."""
        try:
            name = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return None
        return self.assets.get(name)


def page_content_security_policy(socket_url: str) -> str:
    """Scripts, styles, images and fonts from this origin only; connections to this origin and to
    the Rasa server's socket.io endpoint (WebSocket and long-polling)."""
    socket_origin, http_origin = url_origins(socket_url)
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self' {socket_origin} {http_origin}; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def render_page(template: str, *, socket_url: str, exit_url: str, name: str = "page") -> str:
    """The page with its placeholders replaced (in one pass, HTML-escaped). Any other `{{` left in
    the page is a mistake in it (a misspelt placeholder): ValueError naming the page."""
    values = {
        "socket_url": html.escape(socket_url, quote=True),
        "exit_url": html.escape(exit_url, quote=True),
    }
    left_over = _PLACEHOLDER.sub("", template)
    at = left_over.find("{{")
    if at >= 0:
        raise ValueError(
            f"{name} holds {left_over[at : at + 30]!r}: the pages may use only "
            "{{ socket_url }} and {{ exit_url }}, spelt exactly so"
        )
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")


def index_assets(dist: Path) -> dict[str, Asset]:
    """Every file under `dist`, read into memory, by relative path. Hidden files (the `.built`
    stamp) are left out, and so is a link that leads outside the folder."""
    assets: dict[str, Asset] = {}
    if not dist.is_dir():
        return assets
    root = dist.resolve()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder, name)
            if name.startswith(".") or not path.is_file():
                continue
            if not path.resolve().is_relative_to(root):
                continue
            relative = path.relative_to(root).as_posix()
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            assets[relative] = Asset(body, content_type(relative), etag)
    return assets


def load_site(web_dir: Path, *, socket_url: str, exit_url: str) -> Site:
    """Read and render the pages, index the built assets. A missing page stops the service (the
    pages are part of the repository); a missing build does not (see `missing_assets`)."""
    pages: dict[str, Page] = {}
    for route, filename in PAGES.items():
        path = web_dir / "pages" / filename
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: the public pages come with the repository (web/pages); "
                "set INTAKE_WEB=0 to run the service without them"
            )
        body = render_page(
            path.read_text(encoding="utf-8"),
            socket_url=socket_url,
            exit_url=exit_url,
            name=f"web/pages/{filename}",
        )
        pages[route] = Page(body.encode("utf-8"), dict(EXIT_HEADERS) if route == "/exit" else {})
    assets = index_assets(web_dir / "dist")
    return Site(
        pages=pages,
        assets=assets,
        content_security_policy=page_content_security_policy(socket_url),
        missing_assets=tuple(name for name in REQUIRED_ASSETS if name not in assets),
    )


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak or strong), or is `*`."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False
