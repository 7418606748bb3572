"""The scale-out topology of deploy/ on loopback, with the real engines: two Rasa replicas and two
action servers behind nginx, the tracker store on PostgreSQL, the lock store on Redis, the review
events over RabbitMQ to the real intake service consuming them (its review store on PostgreSQL).

A conversation whose messages alternate between the replicas keeps its state, completes a
referral and is in the review store, every message of it from both replicas; a replica killed
mid-conversation (SIGKILL) loses nothing: nginx passes the next message to the other, which
carries the conversation on from PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import List, Tuple

import pytest

from tests.intake_service import IntakeService
from tests.live import (
    BIN,
    MODEL,
    ROOT,
    SERVICE_TOKEN,
    ActionServer,
    StandInIntake,
    free_port,
    wait_until_up,
)
from tests.missing import missing
from tests.rabbitmq import AMQP_URL, delete_queues, need_rabbitmq, new_queue_name
from tests.test_live_referrals import ANONYMOUS_NEIGHBOUR, eventually

sys.path.insert(0, str(ROOT / "deploy"))
from render import render

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _need_services() -> None:
    import psycopg2
    import redis

    if not Path(NGINX).exists():
        missing("nginx is not installed (.ci/run installs Debian's nginx-light)")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError:
        missing("Redis is not reachable at 127.0.0.1:6379")
    try:
        psycopg2.connect(dbname="test", connect_timeout=3, **PG).close()
    except psycopg2.Error:
        missing("PostgreSQL is not reachable at 127.0.0.1:5432")
    need_rabbitmq()


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="test", **PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


class Topology:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.database = f"scale_{uuid.uuid4().hex[:10]}"
        self.review_queue = new_queue_name()
        self.intake = StandInIntake()  # referrals
        self.review: IntakeService = None  # type: ignore[assignment]  # the review store
        self.rasa_ports = [free_port(), free_port()]
        self.action_ports = [free_port(), free_port()]
        self.nginx_port, self.nginx_actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.nginx_port}"
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.nginx_actions_port}/webhook",
            "TRACKER_STORE_HOST": PG["host"],
            "TRACKER_STORE_PORT": PG["port"],
            "TRACKER_STORE_DB_NAME": self.database,
            "TRACKER_STORE_USER": PG["user"],
            "TRACKER_STORE_PASSWORD": "",
            "LOCK_STORE_HOST": "127.0.0.1",
            "LOCK_STORE_PORT": "6379",
            "LOCK_STORE_DB": "3",
            "LOCK_STORE_PREFIX": f"scale{uuid.uuid4().hex[:8]}",
            "CONVERSATION_KEYRING_FILE": str(workdir / "conversation_keyring"),
            "INTAKE_URL": self.intake.url,
            "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
            "OUTBOX_RETRY_INITIAL_SECONDS": "0.2",
            "OUTBOX_RETRY_MAX_SECONDS": "1",
            "OUTBOX_POLL_SECONDS": "0.2",
            "RASA_PORTS": ",".join(map(str, self.rasa_ports)),
            "ACTION_PORTS": ",".join(map(str, self.action_ports)),
            "NGINX_PORT": str(self.nginx_port),
            "NGINX_ACTIONS_PORT": str(self.nginx_actions_port),
            # The replicas publish review events to RabbitMQ (deploy/endpoints.yml); the intake
            # consumes them. The transport key is a file both halves find (the first makes it).
            "REVIEW_AMQP_URL": AMQP_URL,
            "REVIEW_AMQP_QUEUE": self.review_queue,
            "REVIEW_TRANSPORT_KEY": "",
            "REVIEW_TRANSPORT_KEY_FILE": str(workdir / "review_transport_key"),
        }
        self.rasa: List[subprocess.Popen] = []
        self.actions: List[ActionServer] = []
        self.nginx: subprocess.Popen = None  # type: ignore[assignment]

    def start(self) -> "Topology":
        _admin(f'CREATE DATABASE "{self.database}"')
        _admin(f'CREATE DATABASE "{self.database}_intake"')
        (self.workdir / "intake").mkdir(mode=0o700)
        self.review = IntakeService(
            self.workdir / "intake",
            f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{self.database}_intake",
            env={
                "INTAKE_REVIEW_AMQP_URL": AMQP_URL,
                "INTAKE_REVIEW_AMQP_QUEUE": self.review_queue,
                "REVIEW_TRANSPORT_KEY": "",
                "REVIEW_TRANSPORT_KEY_FILE": str(self.workdir / "review_transport_key"),
            },
        ).start()
        for index, port in enumerate(self.action_ports):
            env = {**self.env, "OUTBOX_PATH": str(self.workdir / f"outbox{index}.db")}
            server = ActionServer(port, env, self.workdir / f"actions{index}.log")
            server.start()
            self.actions.append(server)
        for index, port in enumerate(self.rasa_ports):
            env = {**self.env, "REVIEW_SPOOL_DB": str(self.workdir / f"review_spool{index}.db")}
            log = self.workdir / f"rasa{index}.log"
            with log.open("w") as out:
                self.rasa.append(
                    subprocess.Popen(
                        [
                            str(BIN / "rasa"),
                            "run",
                            "--model",
                            str(MODEL),
                            "--interface",
                            "127.0.0.1",
                            "--port",
                            str(port),
                            "--credentials",
                            "credentials.yml",
                            "--endpoints",
                            "deploy/endpoints.yml",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )  # fmt: skip
                )
        conf = render(self.workdir / "nginx", self.env)
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(self.workdir / "nginx"), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        for server in self.actions:
            server.wait_until_up()
        for index, (port, process) in enumerate(zip(self.rasa_ports, self.rasa, strict=False)):
            # Two replicas load their models at once on two cores: up to ten minutes on a loaded
            # machine (it is a wait, not a measure).
            wait_until_up(
                f"http://127.0.0.1:{port}/", process, self.workdir / f"rasa{index}.log", seconds=600
            )
        return self

    def say(self, sender: str, text: str) -> Tuple[List[str], str]:
        """The answers, and which replica (its port) gave them."""
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url + "/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=90) as response:
            replica = response.headers.get("X-Replica", "")
            return [r.get("text", "") for r in json.loads(response.read())], replica.rsplit(":", 1)[-1]

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
        for process in self.rasa:
            if process.poll() is None:
                process.terminate()
        for server in self.actions:
            server.stop()
        for process in self.rasa:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.intake.close()
        if self.review is not None:
            self.review.stop()
        delete_queues(self.review_queue)
        _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        _admin(f'DROP DATABASE IF EXISTS "{self.database}_intake" WITH (FORCE)')


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    _need_services()
    assert MODEL.exists(), "run `make train` first (make test does)"
    workdir = tmp_path_factory.mktemp("scale")
    topology = Topology(workdir)
    try:
        yield topology.start()
    finally:
        topology.stop()


REFERRAL = [
    "i want to report a concern about a child",
    "/deny",
    "/identify_as_public",
    *ANONYMOUS_NEIGHBOUR,
]


def test_a_conversation_alternating_between_replicas_keeps_its_state_and_refers(topology):
    sender = f"scale-{uuid.uuid4()}"
    before = len(topology.intake.payloads())
    replicas, transcript = [], []
    for text in REFERRAL:
        answers, replica = topology.say(sender, text)
        replicas.append(replica)
        transcript.append((replica, text, answers[:1]))
    (topology.workdir / "transcript.json").write_text(json.dumps(transcript, indent=1))
    assert answers[0].startswith("Here is exactly what will be sent:"), transcript
    answers, replica = topology.say(sender, "send it")
    assert "Your reference is SCS-" in " ".join(answers)
    replicas.append(replica)
    assert set(replicas) == {str(p) for p in topology.rasa_ports}, replicas  # both took messages
    switches = sum(a != b for a, b in itertools.pairwise(replicas))
    assert switches >= len(replicas) // 2  # alternating, not one replica then the other
    assert eventually(lambda: len(topology.intake.payloads()) == before + 1)
    [payload] = topology.intake.payloads()[before:]
    assert payload["children"][0]["age"] == 5 and payload["concern"]["categories"] == ["neglect"]
    # Both replicas' review events reached the review store through RabbitMQ: every message.
    said = len(REFERRAL) + 1

    def user_messages() -> int:
        held = topology.review.conversation(sender)
        return sum(e["type"] == "user" for e in held["events"]) if held else 0

    assert eventually(lambda: user_messages() == said), (user_messages(), said)
    assert topology.review.conversation(sender)["channel"] == "rest"


def test_a_replica_killed_mid_conversation_loses_nothing(topology):
    sender = f"scale-{uuid.uuid4()}"
    before = len(topology.intake.payloads())
    half = len(REFERRAL) // 2
    for text in REFERRAL[:half]:
        topology.say(sender, text)
    topology.rasa[0].kill()  # SIGKILL, as a crash would
    topology.rasa[0].wait(timeout=30)
    replicas = set()
    for text in REFERRAL[half:]:
        answers, replica = topology.say(sender, text)
        replicas.add(replica)
    assert replicas == {str(topology.rasa_ports[1])}
    assert answers[0].startswith("Here is exactly what will be sent:"), answers
    assert "Your reference is SCS-" in " ".join(topology.say(sender, "send it")[0])
    assert eventually(lambda: len(topology.intake.payloads()) == before + 1)
    # The review store has it: what the killed replica spooled and had not sent waits in its
    # spool for its restart; what the other replica saw arrives now.
    assert eventually(lambda: topology.review.conversation(sender) is not None)
