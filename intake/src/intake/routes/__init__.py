"""The HTTP routes: one Sanic Blueprint per resource, registered by `intake.app.create_app`.

referrals.py  POST /api/v1/referrals: the assistant sends a referral (service token)
staff.py      /api/v1/staff/...: the MASH queue, a referral, its status, feedback, audit (staff token)
health.py     GET /healthz
docs.py       /docs, /docs/openapi.json, /docs/docs.css (off with INTAKE_DOCS=0)
public.py     /, /privacy, /exit and /assets/<path>: the public chat pages (off with INTAKE_WEB=0)
deps.py       what the handlers share: JSON answers, strict JSON bodies, the bearer-token guards

Each blueprint is made once, at import, and may be registered on several apps (the tests make one
per test): handlers reach the settings, store and what was read at start-up through
`request.app.ctx`, never through a closure.
"""
