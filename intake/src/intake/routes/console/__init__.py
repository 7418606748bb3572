"""The staff console under /staff: HTML pages in GOV.UK Frontend for MASH staff (issue 13).

guard.py          rendering (Jinja2, autoescaped), the session cookie, CSRF and the role guard
sign_in.py        /staff/sign-in (password), /sign-in/code (TOTP), /sign-in/enrol (first sign-in),
                  /sign-out
referrals.py      /staff/queue, /staff/referrals/<id> and its status, assignment, notes, feedback
conversations.py  /staff/conversations... the review pages, tags, marks, flags, corrections, exports
preview.py        /staff/preview: the public widget talking to the assistant as a staff preview
admin.py          /staff/accounts (add, reset, disable) and /staff/audit (admins)

Every page needs a signed-in session with a role (guard.console), every form a CSRF token; an
anonymous GET is sent to the sign-in page, any other anonymous request is a 403. Not part of the
JSON API: not in openapi.json (test_openapi.py leaves /staff out).
"""

from intake.routes.console import admin, conversations, preview, referrals, sign_in

BLUEPRINTS = (sign_in.bp, referrals.bp, conversations.bp, preview.bp, admin.bp)
