"""The real server, started as `python -m intake serve` would be: schemathesis over the committed
spec, the 64 KiB limit in the HTTP layer (chunked bodies too), identical POSTs racing over real
connections, and logs without IP addresses or personal data."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest
import schemathesis
from conftest import SERVICE_TOKEN, TEST_DIST, make_web_dir, new_referral
from hypothesis import HealthCheck, settings

from intake.app import SECURITY_HEADERS
from intake.settings import OPENAPI_FILE

CLIENT_ADDRESS = "127.0.0.3"  # requests come from here, so the log can be searched for it
FORWARDED_ADDRESS = "203.0.113.77"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, request):
    from conftest import DB_KIND, _pg_database, pg_url

    var_dir = tmp_path_factory.mktemp("live")
    web_dir = make_web_dir(var_dir / "web")
    port = free_port()
    database_url = (
        pg_url(_pg_database)
        if DB_KIND == "postgresql"
        else f"sqlite+aiosqlite:///{var_dir / 'live.db'}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTAKE_VAR_DIR": str(var_dir),
        "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
        "INTAKE_PORT": str(port),
        "INTAKE_RATE_LIMIT_PER_MINUTE": "0",
        "INTAKE_WEB_DIR": str(web_dir),
        # Sanic logs to stdout, which is block-buffered into a file: unbuffered, so the log tests
        # read every line written so far, not whatever happened to be flushed.
        "PYTHONUNBUFFERED": "1",
    }
    staff = subprocess.run(
        [sys.executable, "-m", "intake", "create-staff", f"live.{uuid.uuid4().hex[:8]}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    log_path = var_dir / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "intake", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail("the server did not start:\n" + log_path.read_text())
        time.sleep(0.1)
    yield {"base_url": base_url, "log": log_path, "staff_token": staff.stdout.strip()}
    process.terminate()
    process.wait(timeout=30)
    log.close()


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


HEALTH_LINE = "GET /healthz 200"


def health_lines(live_server) -> int:
    return live_server["log"].read_text().count(HEALTH_LINE)


def log_after_health_check(live_server, seen: int) -> str:
    """The log once the access line of a health check made after `seen` such lines is in it:
    everything logged before that request has been written too. Bounded; not a timed assertion."""
    for _ in range(300):
        log = live_server["log"].read_text()
        if log.count(HEALTH_LINE) > seen:
            return log
        time.sleep(0.05)
    pytest.fail("the last health check never reached the server log")


def raw_request(live_server, data: bytes, *, hang_up: bool = False) -> bytes:
    port = int(live_server["base_url"].rsplit(":", 1)[1])
    with socket.socket() as sock:
        sock.bind((CLIENT_ADDRESS, 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(data)
        if hang_up:
            return b""
        sock.settimeout(10)
        return sock.recv(65536)


schema = schemathesis.openapi.from_path(OPENAPI_FILE)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_fails_with_a_500_and_every_response_matches_the_spec(case, live_server):
    token = (
        SERVICE_TOKEN if case.operation.path == "/api/v1/referrals" else live_server["staff_token"]
    )
    case.call_and_validate(
        base_url=live_server["base_url"], headers={"Authorization": f"Bearer {token}"}
    )


def test_a_chunked_body_over_64_kib_is_refused_too(live_server):
    """No Content-Length to check up front: the server counts the chunks as they arrive."""
    body = json.dumps(new_referral()).encode() + b" " * (80 * 1024)

    def chunks():
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    with client_from(CLIENT_ADDRESS) as http:
        before = staff_total(http, live_server)
        response = http.post(
            f"{live_server['base_url']}/api/v1/referrals",
            content=chunks(),
            headers={
                "Authorization": f"Bearer {SERVICE_TOKEN}",
                "Content-Type": "application/json",
            },
        )
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert response.status_code == 413
        assert response.headers["x-content-type-options"] == "nosniff"
        assert staff_total(http, live_server) == before


def test_a_small_chunked_body_is_accepted(live_server):
    body = json.dumps(new_referral()).encode()
    with client_from(CLIENT_ADDRESS) as http:
        response = http.post(
            f"{live_server['base_url']}/api/v1/referrals",
            content=iter([body[:100], body[100:]]),
            headers={
                "Authorization": f"Bearer {SERVICE_TOKEN}",
                "Content-Type": "application/json",
            },
        )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 201


def staff_total(http: httpx.Client, live_server, **filters) -> int:
    response = http.get(
        f"{live_server['base_url']}/api/v1/staff/referrals",
        params={"limit": 1, **filters},
        headers={"Authorization": f"Bearer {live_server['staff_token']}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_identical_posts_racing_over_real_connections_store_one_referral(live_server):
    body = new_referral()
    racers = 8
    start = threading.Barrier(racers)
    responses: list[httpx.Response] = []

    def post():
        with client_from(CLIENT_ADDRESS) as http:
            start.wait(timeout=60)
            responses.append(
                http.post(
                    f"{live_server['base_url']}/api/v1/referrals",
                    json=body,
                    headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                )
            )

    with client_from(CLIENT_ADDRESS) as http:
        before = staff_total(http, live_server)
        threads = [threading.Thread(target=post) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(r.status_code for r in responses) == [200] * (racers - 1) + [201]
        assert len({r.json()["reference"] for r in responses}) == 1
        assert staff_total(http, live_server) == before + 1


def test_the_docs_page_served_for_real_references_no_other_host(live_server):
    with client_from(CLIENT_ADDRESS) as http:
        page = http.get(f"{live_server['base_url']}/docs")
    assert page.status_code == 200
    assert not re.search(
        r"(src|href|action)\s*=\s*[\"']?\s*([a-z][a-z0-9+.-]*:|//)", page.text, re.I
    )
    policy = page.headers["content-security-policy"]
    assert "http" not in policy and "*" not in policy and "//" not in policy


def test_the_chat_page_and_its_assets_served_for_real_log_only_their_routes(live_server):
    url = live_server["base_url"]
    with client_from(CLIENT_ADDRESS) as http:
        page = http.get(f"{url}/?from=Leo-Hughes")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "connect-src 'self' ws://127.0.0.1:5005" in page.headers["content-security-policy"]
        assert 'data-socket-url="http://127.0.0.1:5005"' in page.text
        assert http.get(f"{url}/exit").headers["clear-site-data"] == '"storage"'
        script = http.get(f"{url}/assets/chat.js?child=Leo-Hughes")
        assert script.content == TEST_DIST["chat.js"]
        assert script.headers["cross-origin-resource-policy"] == "cross-origin"
        # HEAD: the GET's headers and length, no body; a revalidation: 304, no body.
        head = http.head(f"{url}/assets/chat.js")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(TEST_DIST["chat.js"]))
        again = http.get(f"{url}/assets/chat.js", headers={"If-None-Match": script.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert http.get(f"{url}/assets/Leo-Hughes.js").status_code == 404
    # Dot segments as sent, which httpx (like a browser) would have removed.
    answer = raw_request(
        live_server, b"GET /assets/../pages/index.html HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 404") and b"<html" not in answer.lower()
    seen = health_lines(live_server)
    with client_from(CLIENT_ADDRESS) as http:
        assert http.get(f"{url}/healthz").status_code == 200
    log = log_after_health_check(live_server, seen)
    assert "GET /assets/<path:path> 200" in log
    assert "GET /assets/<path:path> 304" in log
    assert "HEAD /assets/<path:path> 200" in log
    assert "GET / 200" in log
    for asked in ("chat.js", "Leo", "Hughes", "index.html", "pages", CLIENT_ADDRESS):
        assert asked not in log, asked


def test_a_body_over_64_kib_is_refused_by_the_server_itself(live_server):
    body = new_referral()
    body["concern"]["description"] = "x" * (70 * 1024)
    with client_from(CLIENT_ADDRESS) as http:
        response = http.post(
            f"{live_server['base_url']}/api/v1/referrals",
            content=json.dumps(body),
            headers={
                "Authorization": f"Bearer {SERVICE_TOKEN}",
                "Content-Type": "application/json",
            },
        )
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == SECURITY_HEADERS["X-Content-Type-Options"]


def test_no_ip_address_appears_in_the_server_log(live_server):
    url = live_server["base_url"]
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Forwarded-For": FORWARDED_ADDRESS}
    with client_from(CLIENT_ADDRESS) as http:
        assert (
            http.post(f"{url}/api/v1/referrals", json=new_referral(), headers=auth).status_code
            == 201
        )
        assert http.post(f"{url}/api/v1/referrals", json={"x": 1}, headers=auth).status_code == 422
        assert http.post(f"{url}/api/v1/referrals", json={}).status_code == 401
        assert http.get(f"{url}/nowhere", headers=auth).status_code == 404
        assert http.get(f"{url}/api/v1/staff/referrals", headers=auth).status_code == 401
    # Requests Sanic itself refuses, and a client that hangs up half-way through its body.
    assert raw_request(live_server, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert raw_request(
        live_server,
        b"POST /api/v1/referrals HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nZZ\r\nabc\r\n",
    ).startswith(b"HTTP/1.1 400")
    raw_request(
        live_server,
        b"POST /api/v1/referrals HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
        b"Content-Type: application/json\r\n\r\n{",
        hang_up=True,
    )
    seen = health_lines(live_server)
    with client_from(CLIENT_ADDRESS) as http:
        assert http.get(f"{url}/healthz?marker=ip-test").status_code == 200
    log = log_after_health_check(live_server, seen)
    assert "POST /api/v1/referrals 201" in log  # the access log is there...
    assert CLIENT_ADDRESS not in log  # ...without the peer address
    assert FORWARDED_ADDRESS not in log
    assert "marker=ip-test" not in log  # nor the query string
    assert "unhandled" not in log  # a client hanging up is not an error of ours


def test_the_server_log_holds_no_personal_data(live_server):
    url = live_server["base_url"]
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    staff = {"Authorization": f"Bearer {live_server['staff_token']}"}
    body = new_referral("valid_parent_carer")
    conflicting = json.loads(json.dumps(body))
    conflicting["concern"]["description"] = "Leo Hughes again, Bitterne"
    broken = json.loads(json.dumps(body))
    broken["children"][0]["age"] = "Leo Hughes"
    with client_from(CLIENT_ADDRESS) as http:
        assert http.post(f"{url}/api/v1/referrals", json=body, headers=auth).status_code == 201
        assert (
            http.post(f"{url}/api/v1/referrals", json=conflicting, headers=auth).status_code == 409
        )
        assert http.post(f"{url}/api/v1/referrals", json=broken, headers=auth).status_code == 422
        rid = body["referral_id"]
        assert http.get(f"{url}/api/v1/staff/referrals/{rid}", headers=staff).status_code == 200
        status = http.post(
            f"{url}/api/v1/staff/referrals/{rid}/status",
            json={"status": "in_triage", "reason": "spoke to Dan Hughes in Bitterne"},
            headers=staff,
        )
        assert status.status_code == 200
        # Personal data put where it does not belong: in a path and in a query string.
        assert http.get(f"{url}/Leo-Hughes/4-Bitterne-Road", headers=staff).status_code == 404
        assert (
            http.get(f"{url}/api/v1/staff/referrals?child=Leo+Hughes", headers=staff).status_code
            == 422
        )
        seen = health_lines(live_server)
        assert http.get(f"{url}/healthz?marker=personal-test").status_code == 200
    log = log_after_health_check(live_server, seen)
    for secret in ("Dan Hughes", "Leo", "Hughes", "Bitterne", "grabbed", rid):
        assert secret not in log, secret
