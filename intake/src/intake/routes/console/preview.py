"""The preview (what Rasa X's "talk to your bot" did): /staff/preview, the public chat widget
talking to the running assistant for a signed-in staff member.

The page carries a preview ticket (intake/preview.py) that the Rasa server checks before it gives
the widget a *preview* session: those conversations come in on the `staff_preview` channel, the
review store lists them apart (the conversations page's "Staff previews" filter) and keeps them
for their own period, and a referral made in one is stored with `preview: true`, never in the
live queue but in its own list (/staff/queue?preview=yes). Each ticket given is audited. The
page's policy allows the widget's script and its connection to the Rasa server, as the public
page's does; nothing else.
"""

from __future__ import annotations

from sanic import Blueprint, Request

from intake.preview import make_ticket
from intake.routes.console.guard import PREFIX, console, render
from intake.web import page_content_security_policy

bp = Blueprint("console_preview", url_prefix=PREFIX)


@bp.get("/preview")
@console()
async def preview(request: Request):
    settings = request.app.ctx.settings
    ticket = ""
    if settings.staff_preview_key:
        ticket = make_ticket(settings.staff_preview_key, settings.staff_preview_minutes)
        await request.app.ctx.store.record_preview_started(
            request.ctx.actor, settings.staff_preview_minutes
        )
    response = render(
        request,
        "preview.html",
        section="preview",
        ticket=ticket,
        minutes=settings.staff_preview_minutes,
        socket_url=settings.chat_socket_url,
    )
    # After render(), which sets the console's own policy (no script at all).
    request.ctx.content_security_policy = page_content_security_policy(settings.chat_socket_url)
    return response
