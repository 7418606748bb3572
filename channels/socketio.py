"""The web chat's socket.io channel: Rasa 3.6's, with the conversation bound to its socket, a
message size limit checked before NLU, and quick exit erasing the conversation.

Rasa's own `SocketIOInput` lets any socket name any session id: `session_request` puts the socket
in that conversation's room (it receives every answer), and each message names the conversation it
goes to. Here:

- **The server issues the session.** `session_request` is answered (`session_confirm`) with a new
  random session id (128 bits) and a token, an HMAC of the id under the server's key. A socket that
  asks for an existing session must give both: without the token it is given a new session of its
  own. Messages go to the session of the socket that sent them; a `session_id` in the message is
  ignored. A reload or a reconnection carries on with the id and token the widget kept.
- **A staff preview** (the console's preview page) sends a ticket the intake signed with its
  `session_request` (channels/preview.py): its session is a preview one, with a token of its own
  kind, and its messages come in on the `staff_preview` channel, which the tracker store, the
  review store and the referral payload (`preview: true`) know it by. A ticket that is not valid
  gets `preview_refused` and no session at all: never a live one in its place.
- **A message over `max_message_length` characters** (10,000, the widget's limit) is answered with
  `TOO_LONG` and the phone numbers, and goes no further: no NLU, no tracker, no lock.
- **`session_erase`** (quick exit) is answered at once (true, or false when refused), then the
  conversation is deleted from the tracker store (`RedactingSQLTrackerStore.erase`, reason
  ``quick_exit``) once its lock is free, and its token is revoked. Only its own socket, or one
  holding its token, may ask.
- **The production profile** (`profile: production`, credentials.production.yml) refuses to start
  with debug logging (`--debug`, `LOG_LEVEL=DEBUG`, `LOG_LEVEL_LIBRARIES=DEBUG` or `INFO`) or with
  Rasa's REST channel beside it.

Importing this module installs the log filter (channels/logsafe.py) in the Rasa server.

    credentials.yml:  channels.socketio.SafeSocketIOInput: {max_message_length: 10000, ...}
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import hmac
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels import logsafe
from channels import preview as preview_tickets
from nlp.names import PREVIEW_CHANNEL

logsafe.install()
logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_LENGTH = 10_000  # as web/src/widget.mjs's MAX_MESSAGE_LENGTH
KEY_ENV = "CHAT_SESSION_KEY"
KEY_FILE_NAME = "chat_session_key"
PROFILES = ("development", "production")
ERASE_EVENT = "session_erase"
# A staff preview (channels/preview.py): the ticket the console's page sends in session_request,
# and what it is told when the ticket is not valid (no session is given).
PREVIEW_TICKET_KEY = "preview_ticket"
PREVIEW_REFUSED_EVENT = "preview_refused"
# The numbers come from domain.yml's responses (utter_default, the Childline line);
# tests/test_production_profile.py checks that each one is there and in docs/guidance.
TOO_LONG = (
    "Your message is {length} characters long, and I can read up to {limit} characters. "
    "Please send it in shorter parts. You can talk to someone instead: members of the public "
    "023 8083 3336, professionals 023 8083 2300. If you are a child or young person, you can talk "
    "to Childline on 0800 1111. If a child is in immediate danger, call 999 now."
)
# The largest socket.io packet taken, as Sanic's largest WebSocket frame (WEBSOCKET_MAX_SIZE, 1 MiB):
# engine.io's own default (1,000,000 bytes) would close the socket on a message of a million
# characters instead of answering it. Anything larger closes the connection, before it is read.
MAX_PACKET_BYTES = 2**20
# Revoked tokens kept in memory (a quick exit's); the oldest are forgotten beyond this.
_REVOKED_KEPT = 100_000


@dataclass(frozen=True)
class ChannelSettings:
    """The channel's settings: credentials first, the environment for the key."""

    profile: str = "development"
    max_message_length: int = DEFAULT_MAX_MESSAGE_LENGTH
    key: bytes = b""

    @classmethod
    def from_credentials(cls, credentials: Dict[Text, Any], environ: Dict[str, str]) -> "ChannelSettings":
        profile = str(credentials.get("profile") or environ.get("RASA_PROFILE") or "development").lower()
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}")
        limit = int(credentials.get("max_message_length") or DEFAULT_MAX_MESSAGE_LENGTH)
        if limit < 1:
            raise ValueError("max_message_length must be at least 1")
        return cls(profile=profile, max_message_length=limit, key=session_key(credentials, environ))


def session_key(credentials: Dict[Text, Any], environ: Dict[str, str]) -> bytes:
    """The key session tokens are made with: `CHAT_SESSION_KEY` (base64, at least 32 bytes, the
    same on every Rasa server that shares conversations), else a 0600 file made on first use:
    `session_key_file`, else `chat_session_key` beside the tracker store's database, else var/."""
    if environ.get(KEY_ENV):
        key = base64.b64decode(environ[KEY_ENV], validate=True)
        if len(key) < 32:
            raise ValueError(f"{KEY_ENV} must hold at least 32 bytes (base64)")
        return key
    named = credentials.get("session_key_file")
    database = environ.get("TRACKER_STORE_DB")
    folder = Path(database).parent if database else Path("var")
    path = Path(named) if named else folder / KEY_FILE_NAME
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) < 32:
            raise ValueError(f"{path} holds fewer than 32 bytes: remove it to make a new key") from None
        return key
    with os.fdopen(descriptor, "wb") as out:
        out.write(secrets.token_bytes(32))
    return path.read_bytes()


class Sessions:
    """Which socket speaks for which conversation. Session ids are made here; a token (an HMAC of
    the id) proves that a socket holds the session it names. A staff preview's session has a
    token of its own kind (channels/preview.py): it proves a preview, never a live session."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._bound: Dict[str, str] = {}  # socket id -> session id
        self._previews: Set[str] = set()  # socket ids bound to a staff preview's session
        self._revoked: "collections.OrderedDict[str, None]" = collections.OrderedDict()

    def token(self, session_id: str, preview: bool = False) -> str:
        kind = "chat-session:v1:preview:" if preview else "chat-session:v1:"
        digest = hmac.new(self._key, f"{kind}{session_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def kind(self, session_id: Any, token: Any) -> Optional[str]:
        """ "live" or "preview" when `token` is `session_id`'s and the session was not erased."""
        if not isinstance(session_id, str) or not isinstance(token, str) or len(session_id) > 64:
            return None
        if session_id in self._revoked:
            return None
        for preview in (False, True):
            if hmac.compare_digest(self.token(session_id, preview), token):
                return "preview" if preview else "live"
        return None

    def proves(self, session_id: Any, token: Any) -> bool:
        """Whether `token` is `session_id`'s (live or preview), and the session was not erased."""
        return self.kind(session_id, token) is not None

    def bind(self, sid: str, asked: Any, preview: bool = False) -> Tuple[str, bool]:
        """The session `sid` speaks for from now on, and whether it is the one `asked` for (a
        dict with session_id and session_token); otherwise a new one. `preview`: the socket
        showed a valid preview ticket, so a new session is a preview and a live one is not
        resumed. A preview session's own token resumes it as a preview, ticket or not."""
        asked = asked if isinstance(asked, dict) else {}
        kind = self.kind(asked.get("session_id"), asked.get("session_token"))
        if kind == "preview" or (kind == "live" and not preview):
            session_id, resumed, preview = asked["session_id"], True, kind == "preview"
        else:
            session_id, resumed = secrets.token_hex(16), False
        self._bound[sid] = session_id
        if preview:
            self._previews.add(sid)
        else:
            self._previews.discard(sid)
        return session_id, resumed

    def of(self, sid: str) -> Optional[str]:
        return self._bound.get(sid)

    def is_preview(self, sid: str) -> bool:
        return sid in self._previews

    def unbind(self, sid: str) -> Optional[str]:
        self._previews.discard(sid)
        return self._bound.pop(sid, None)

    def revoke(self, session_id: str) -> list:
        """Revokes the session's token and unbinds its sockets; the sockets that were bound."""
        self._revoked[session_id] = None
        while len(self._revoked) > _REVOKED_KEPT:
            self._revoked.popitem(last=False)
        sockets = [sid for sid, bound in self._bound.items() if bound == session_id]
        for sid in sockets:
            del self._bound[sid]
            self._previews.discard(sid)
        return sockets


def refuse_debug_logging(environ: Dict[str, str]) -> Optional[str]:
    """Why the production profile may not start with this logging; None when it may."""
    if logging.getLogger("rasa").getEffectiveLevel() <= logging.DEBUG:
        return "debug logging is on (--debug or LOG_LEVEL=DEBUG)"
    if str(environ.get("LOG_LEVEL", "")).upper() == "DEBUG":
        return "LOG_LEVEL=DEBUG"
    libraries = str(environ.get("LOG_LEVEL_LIBRARIES", "")).upper()
    if libraries in ("DEBUG", "INFO", "NOTSET") or (libraries.isdigit() and int(libraries) <= logging.INFO):
        return f"LOG_LEVEL_LIBRARIES={libraries} (it logs client addresses and socket.io packets)"
    return None


def _refuse_to_start(why: str) -> None:
    print(
        f"The production profile refuses to start: {why}. Run it with LOG_LEVEL=INFO (or WARNING) "
        "and LOG_LEVEL_LIBRARIES=ERROR (or WARNING), without --debug (docs/production.md).",
        file=sys.stderr,
    )
    raise SystemExit(2)


class SafeSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with sessions bound to their socket, a size limit before NLU and
    quick exit erasing the conversation (module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"  # what the actions and the referral contract know the web chat by

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        settings = ChannelSettings.from_credentials(credentials, dict(os.environ))
        if settings.profile == "production":
            why = refuse_debug_logging(dict(os.environ))
            if why:
                _refuse_to_start(why)
        return cls(
            settings,
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
        )

    def __init__(self, settings: ChannelSettings, **options: Any) -> None:
        super().__init__(session_persistence=True, **options)
        self.settings = settings
        self.sessions = Sessions(settings.key)
        self.app: Optional[Sanic] = None
        self._erasing: Set[asyncio.Future] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_PACKET_BYTES)
        channel = self
        self.sio = sio

        class _Blueprint(SocketBlueprint):
            def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
                channel.app = app
                app.register_listener(channel._before_start, "before_server_start")
                super().register(app, options)

        webhook = _Blueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            self.sessions.unbind(sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            ticket = data.get(PREVIEW_TICKET_KEY) if isinstance(data, dict) else None
            preview = ticket is not None and preview_tickets.ticket_is_valid(ticket)
            if ticket is not None and not preview and not self._resumes_preview(data):
                # A preview page whose ticket has expired: never a live session in its place
                # (its referrals would reach the live queue).
                await sio.emit(
                    PREVIEW_REFUSED_EVENT, {"reason": "ticket"}, room=sid, namespace=self.namespace
                )
                logger.info("A staff preview was refused: its ticket is not valid")
                return
            before = self.sessions.of(sid)
            session_id, resumed = self.sessions.bind(sid, data, preview=preview)
            if before and before != session_id:
                sio.leave_room(sid, before, namespace=self.namespace)
            sio.enter_room(sid, session_id, namespace=self.namespace)
            token = self.sessions.token(session_id, preview=self.sessions.is_preview(sid))
            confirm = {"session_id": session_id, "session_token": token}
            if self.sessions.is_preview(sid):
                confirm["preview"] = True
            await sio.emit("session_confirm", confirm, room=sid, namespace=self.namespace)
            logger.debug("A socket %s a session", "resumed" if resumed else "was given")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            session_id = self.sessions.of(sid)
            text = data.get("message") if isinstance(data, dict) else None
            if session_id is None or not isinstance(text, str):
                logger.info("A message without a session, or without text, was ignored")
                return
            if len(text) > self.settings.max_message_length:
                logger.info("A message of %d characters was refused before NLU", len(text))
                refusal = TOO_LONG.format(
                    length=f"{len(text):,}", limit=f"{self.settings.max_message_length:,}"
                )
                await sio.emit(self.bot_message_evt, {"text": refusal}, room=sid, namespace=self.namespace)
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            channel = PREVIEW_CHANNEL if self.sessions.is_preview(sid) else self.name()
            await on_new_message(UserMessage(text, output, session_id, input_channel=channel))

        @sio.on(ERASE_EVENT, namespace=self.namespace)
        async def session_erase(sid: Text, data: Any) -> bool:
            data = data if isinstance(data, dict) else {}
            bound = self.sessions.of(sid)
            named = data.get("session_id") or bound
            # Its own socket, or (the socket already gone: quick exit disconnects at once) the token.
            allowed = named is not None and (
                named == bound or self.sessions.proves(named, data.get("session_token"))
            )
            if not allowed:
                logger.info("A request to erase a conversation was refused: not this socket's")
                return False
            for other in self.sessions.revoke(named):
                sio.leave_room(other, named, namespace=self.namespace)
            # Answered at once (the widget leaves the page on this answer); erased when the
            # conversation's lock is free.
            task = asyncio.ensure_future(self.erase(named))
            self._erasing.add(task)
            task.add_done_callback(self._erasing.discard)
            return True

        return webhook

    def _resumes_preview(self, data: Dict[str, Any]) -> bool:
        return self.sessions.kind(data.get("session_id"), data.get("session_token")) == "preview"

    async def erase(self, session_id: str) -> bool:
        """Deletes the conversation from the tracker store, once no message of it is in progress
        (a tracker saved after the erase would bring its events back)."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None) if self.app else None
        store = tracker_store_of(agent)
        if store is None:
            logger.error("A conversation could not be erased: the tracker store cannot erase")
            return False
        try:
            async with agent.lock_store.lock(session_id):
                await store.erase(session_id, reason="quick_exit")
        except Exception as exc:
            logger.error("A conversation could not be erased (%s)", type(exc).__name__)
            return False
        return True

    async def _before_start(self, app: Sanic, _loop: Any) -> None:
        logsafe.install()  # again: Sanic and Rasa have made their handlers by now
        if self.settings.profile == "production":
            others = other_channels(app)
            if others:
                _refuse_to_start(f"other channels are configured ({', '.join(others)}); it has only its own")


def other_channels(app: Sanic) -> list:
    """The webhooks of channels other than this one (REST's /webhooks/rest/, say)."""
    paths = {str(getattr(route, "path", "")).strip("/") for route in app.router.routes}
    return sorted(
        {
            path.split("/")[1]
            for path in paths
            if path.startswith("webhooks/") and not path.startswith("webhooks/socketio")
        }
    )


def tracker_store_of(agent: Any) -> Any:
    """The agent's tracker store that can erase, unwrapped from Rasa's wrappers
    (`AwaitableTrackerStore` and the like hold it in `_tracker_store`)."""
    store = getattr(agent, "tracker_store", None)
    for _ in range(5):
        if store is None or callable(getattr(store, "erase", None)):
            return store
        store = getattr(store, "_tracker_store", None)
    return None
