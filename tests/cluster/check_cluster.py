"""Two app instances behind nginx, sharing PostgreSQL, Redis and the storage folder.

Run with ``make cluster-test`` (about a minute; not part of ``make test``). It needs
nginx (Debian ``nginx-light``), PostgreSQL at ``TEST_DATABASE_URL`` and Redis at
``TEST_REDIS_URL``; it uses a fresh PostgreSQL database and Redis database 11, started
the way docs/deploy.md describes: gunicorn with ``advice.ops.gunicorn_conf``, a worker
(``flask --app advice worker``), and nginx in front (the upstream block of
``docs/deploy/nginx.conf``, on loopback ports).

What it proves, each through real processes:

1. a rate limit holds across both instances (Redis is the limiter's store);
2. a claim race between two advisers on different instances has one winner per case;
3. an upload made through one instance is served by the other (shared storage, and a
   session signed by one instance is honoured by the other);
4. killing one instance (SIGKILL) in the middle of traffic loses no accepted question,
   and every receipt email still goes out (queued in the database, delivered by the
   worker).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer
from redis import Redis
from sqlalchemy import func, select

from advice import create_app
from advice.cases.models import Attachment, Case, CaseEntry, IdempotencyKey
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.regions.models import Municipality
from advice.taxonomy.models import RequesterType, Topic
from tests.cluster.http import SUBMISSION, Browser

REPOSITORY = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/") + "/11"
SECRET_KEY = "cluster-test-secret-" + uuid.uuid4().hex
PASSWORD = "cluster test password"
INTAKE_LIMIT = 5
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
RESULTS: dict[str, str] = {}

NGINX_CONF = """
worker_processes 2;
{user}
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 60m;

    upstream advice {{
        server 127.0.0.1:{port_a} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{port_b} max_fails=1 fail_timeout=10s;
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};
        location = /metrics {{ return 404; }}
        location / {{
            proxy_pass http://advice;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Request-ID $request_id;
            proxy_next_upstream error timeout http_502 http_503;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(check: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Cluster:
    base: Path
    database_name: str
    database_url: str
    port: int
    ports: dict[str, int]
    environment: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    app: Flask | None = None

    def start(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        log = self.base / f"{name}.log"
        self.logs[name] = log
        self.processes[name] = subprocess.Popen(  # noqa: S603  (our own commands)
            command,
            cwd=REPOSITORY,
            env={**self.environment, **(extra or {})},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes its workers too
        )

    def start_instance(self, name: str) -> None:
        self.start(
            name,
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "python:advice.ops.gunicorn_conf",
                "advice:create_app()",
            ],
            {
                "ADVICE_BIND": f"127.0.0.1:{self.ports[name]}",
                "ADVICE_INSTANCE_PATH": str(self.base / name),
            },
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def browser(self, source: str = "127.0.0.1", port: int | None = None) -> Browser:
        return Browser(port or self.port, source=source)


def _flask(cluster: Cluster, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [str(VENV_BIN / "flask"), "--app", "advice", *args],
        cwd=REPOSITORY,
        env={**cluster.environment, "ADVICE_INSTANCE_PATH": str(cluster.base / "admin")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _require_tools() -> None:
    if shutil.which("nginx") is None:
        pytest.fail(
            "nginx is not installed: DEBIAN_FRONTEND=noninteractive apt-get -o "
            "DPkg::Lock::Timeout=900 install -y --no-install-recommends nginx-light"
        )
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as error:
        pytest.fail(f"PostgreSQL does not answer at {ADMIN_URL}: {error}")
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as error:
        pytest.fail(f"Redis does not answer at {REDIS_URL}: {error}")
    finally:
        client.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    _require_tools()
    base = tmp_path_factory.mktemp("cluster")
    name = f"advice_cluster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ADVICE_", "PROMETHEUS_")) and key != "DATABASE_URL"
    }
    environment.update(
        {
            "ADVICE_DATABASE_URL": database_url,
            "ADVICE_REDIS_URL": REDIS_URL,
            "ADVICE_STORAGE_PATH": str(base / "shared"),
            "ADVICE_SECRET_KEY": SECRET_KEY,
            "ADVICE_TRUSTED_PROXY_COUNT": "1",
            "ADVICE_INTAKE_RATE_LIMIT": f"{INTAKE_LIMIT} per minute",
            "ADVICE_PASSWORD_HASH_FAST": "true",
            "ADVICE_WORKERS": "2",
            "ADVICE_THREADS": "4",
            "ADVICE_LOG_FORMAT": "json",
        }
    )
    cluster = Cluster(
        base=base,
        database_name=name,
        database_url=database_url,
        port=_free_port(),
        ports={"a": _free_port(), "b": _free_port()},
        environment=environment,
    )
    try:
        _flask(cluster, "db", "upgrade")
        _flask(cluster, "seed")
        for number in (1, 2):
            _flask(
                cluster,
                "create-user",
                "--email", f"adviser{number}@example.org",
                "--name", f"Rådgivare {number}",
                "--role", "adviser",
                "--office", "stockholm",
                "--password", PASSWORD,
            )  # fmt: skip
        cluster.start_instance("a")
        cluster.start_instance("b")
        cluster.start(
            "worker",
            [str(VENV_BIN / "flask"), "--app", "advice", "worker"],
            {"ADVICE_INSTANCE_PATH": str(base / "worker")},
        )
        prefix = base / "nginx"
        prefix.mkdir()
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            NGINX_CONF.format(
                prefix=prefix,
                user=user,
                port=cluster.port,
                port_a=cluster.ports["a"],
                port_b=cluster.ports["b"],
            )
        )
        cluster.start(
            "nginx",
            ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        )
        for instance in ("a", "b"):
            _wait_for(
                lambda instance=instance: cluster.browser(port=cluster.ports[instance])
                .get("/readyz")
                .status
                == 200,
                f"instance {instance}",
            )
        _wait_for(lambda: cluster.browser().get("/readyz").status == 200, "nginx")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url.replace(
                    "postgresql://", "postgresql+psycopg://", 1
                ),
                "SECRET_KEY": SECRET_KEY,
            }
        )
        cluster.app = app
        yield cluster
    finally:
        cluster.stop_all()
        if cluster.app is not None:
            with cluster.app.app_context():
                db.engine.dispose()
        redis.flushdb()
        redis.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print("\n== cluster test ==")
        for key, value in RESULTS.items():
            print(f"{key}: {value}")


# Helpers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    municipality: str
    requester_type: str
    topic: str


def _choices(app: Flask) -> FormChoices:
    with app.app_context():
        return FormChoices(
            str(db.session.scalar(select(Municipality.id).where(Municipality.code == "0180"))),
            str(db.session.scalar(select(RequesterType.id).order_by(RequesterType.id).limit(1))),
            str(db.session.scalar(select(Topic.id).order_by(Topic.id).limit(1))),
        )


def _ask_fields(page: str, choices: FormChoices, question: str) -> list[tuple[str, str]]:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    submission = SUBMISSION.search(page)
    assert token and submission, "the question form has no tokens"
    return [
        ("csrf_token", token.group(1)),
        ("submission", submission.group(1)),
        ("municipality", choices.municipality),
        ("requester_type", choices.requester_type),
        ("topics", choices.topic),
        ("question", question),
        ("name", "Klustra Testsson"),
        ("email", "kluster@example.org"),
        ("language", "sv"),
        ("consent", "y"),
        ("website", ""),
    ]


def _submission_key(fields: list[tuple[str, str]]) -> str:
    token = dict(fields)["submission"]
    return "ask:" + URLSafeSerializer(SECRET_KEY, salt="intake-submission").loads(token)


def _upstream(answer: Any) -> str:
    return str(answer.headers.get("x-upstream", "")).split(",")[-1].strip()


def _new_cases(app: Flask, count: int) -> list[str]:
    from tests.factories import new_case

    with app.app_context():
        references = [new_case().case.reference for _ in range(count)]
        db.session.commit()
        return references


# The checks --------------------------------------------------------------------------------


def test_a_rate_limit_holds_across_both_instances(cluster: Cluster) -> None:
    assert cluster.app is not None
    choices = _choices(cluster.app)
    browser = cluster.browser(source="127.0.0.1")
    statuses: list[int] = []
    upstreams: set[str] = set()
    for number in range(INTAKE_LIMIT * 2):
        form = browser.get("/ask")
        upstreams.add(_upstream(form))
        answer = browser.post(
            "/ask", _ask_fields(form.text, choices, f"Fråga {number} om bergvärme, kluster")
        )
        upstreams.add(_upstream(answer))
        statuses.append(answer.status)
    counted = Counter(statuses)
    RESULTS["rate limit"] = (
        f"{counted[302]} accepted, {counted[429]} refused of {len(statuses)} posts "
        f"from one client, limit {INTAKE_LIMIT}/minute, served by {len(upstreams)} instances"
    )
    assert len(upstreams) == 2, upstreams
    assert counted[302] == INTAKE_LIMIT and counted[429] == INTAKE_LIMIT, statuses


def test_a_claim_race_across_instances_has_one_winner(cluster: Cluster) -> None:
    assert cluster.app is not None
    races = 20
    references = _new_cases(cluster.app, races)
    first = cluster.browser(port=cluster.ports["a"], source="127.0.3.1")
    second = cluster.browser(port=cluster.ports["b"], source="127.0.3.2")
    first.sign_in("adviser1@example.org", PASSWORD)
    second.sign_in("adviser2@example.org", PASSWORD)
    tokens = {id(first): first.csrf_token("/queue"), id(second): second.csrf_token("/queue")}

    def claim(browser: Browser, reference: str, barrier: threading.Barrier) -> int:
        barrier.wait()
        return browser.post(
            f"/cases/{reference}/claim", [("csrf_token", tokens[id(browser)])]
        ).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        for reference in references:
            barrier = threading.Barrier(2)
            answers = [
                pool.submit(claim, browser, reference, barrier) for browser in (first, second)
            ]
            assert [answer.result() for answer in answers] == [302, 302]

    with cluster.app.app_context():
        winners: Counter[str] = Counter()
        for reference in references:
            case = db.session.scalar(select(Case).where(Case.reference == reference))
            assert case is not None and case.assignee_id is not None
            assignments = db.session.scalar(
                select(func.count())
                .select_from(CaseEntry)
                .where(CaseEntry.case_id == case.id, CaseEntry.kind == "assignment")
            )
            assert assignments == 1, reference
            winners[case.assignee.name] += 1  # type: ignore[union-attr]
        db.session.rollback()
    RESULTS["claim race"] = (
        f"{races} races between two instances, {sum(winners.values())} single winners "
        f"({', '.join(f'{name} {count}' for name, count in sorted(winners.items()))})"
    )


def test_an_upload_through_one_instance_is_served_by_the_other(cluster: Cluster) -> None:
    assert cluster.app is not None
    (reference,) = _new_cases(cluster.app, 1)
    through_a = cluster.browser(port=cluster.ports["a"], source="127.0.4.1")
    through_a.sign_in("adviser1@example.org", PASSWORD)
    token = through_a.csrf_token(f"/cases/{reference}")
    answer = through_a.post_files(
        f"/cases/{reference}/attachments",
        [("csrf_token", token)],
        [("files-files", "elräkning.png", PNG)],
    )
    assert answer.status == 302, answer.text[:500]
    with cluster.app.app_context():
        attachment = db.session.scalar(
            select(Attachment).join(Case).where(Case.reference == reference)
        )
        assert attachment is not None
        attachment_id = attachment.id
        db.session.rollback()

    # The same signed session cookie, presented to the other instance.
    through_b = cluster.browser(port=cluster.ports["b"], source="127.0.4.1")
    through_b.cookies = dict(through_a.cookies)
    served = through_b.get(f"/cases/{reference}/attachments/{attachment_id}")
    assert served.status == 200 and served.body == PNG
    RESULTS["shared upload"] = (
        f"{len(PNG)} bytes uploaded through instance A, the same bytes served by instance B"
    )


def test_killing_an_instance_mid_traffic_loses_no_accepted_question(cluster: Cluster) -> None:
    assert cluster.app is not None
    choices = _choices(cluster.app)
    clients, per_client = 32, 3
    accepted: list[str] = []
    attempted: set[str] = set()
    retried = Counter[str]()
    lock = threading.Lock()
    started = threading.Event()

    def submit(client_number: int) -> None:
        browser = cluster.browser(source=f"127.0.5.{client_number + 1}")
        for number in range(per_client):
            fields = None
            for _attempt in range(20):
                try:
                    if fields is None:
                        form = browser.get("/ask")
                        if form.status != 200:
                            raise ConnectionError(form.status)
                        fields = _ask_fields(
                            form.text, choices, f"Fråga {client_number}-{number} under avbrottet"
                        )
                        with lock:
                            attempted.add(_submission_key(fields))
                    answer = browser.post("/ask", fields)
                    started.set()
                    if answer.status == 302 and "/ask/received/" in answer.location:
                        with lock:
                            accepted.append(_submission_key(fields))
                        break
                    with lock:
                        retried[str(answer.status)] += 1
                except (OSError, ConnectionError) as error:
                    with lock:
                        retried[type(error).__name__] += 1
                time.sleep(0.2)

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(submit, number) for number in range(clients)]
        assert started.wait(60)
        time.sleep(1.0)
        cluster.kill("b")
        killed_at = time.monotonic()
        for future in futures:
            future.result()
    finished_after_kill = time.monotonic() - killed_at

    with cluster.app.app_context():
        keys = dict(
            db.session.execute(
                select(IdempotencyKey.key, IdempotencyKey.case_id).where(
                    IdempotencyKey.key.in_(attempted)
                )
            ).all()
        )
        db.session.rollback()
    lost = [key for key in accepted if keys.get(key) is None]
    assert len(accepted) == clients * per_client
    assert lost == []
    assert len(set(keys.values())) == len(keys)  # one case per submission, no duplicates

    # Every receipt is delivered by the worker, through the queue or tick's catch-up.
    case_ids = list(keys.values())

    def receipts_sent() -> bool:
        assert cluster.app is not None
        with cluster.app.app_context():
            pending = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.case_id.in_(case_ids), OutboxMessage.status != "sent")
            )
            db.session.rollback()
            return pending == 0

    try:
        _wait_for(receipts_sent, "the receipts to be delivered", 60)
    except AssertionError:
        _flask(cluster, "tick")  # what the timer does every minute
        _wait_for(receipts_sent, "the receipts to be delivered after tick", 60)
    RESULTS["instance killed"] = (
        f"{clients * per_client} questions from {clients} clients, {len(accepted)} accepted, "
        f"{len(keys)} cases in the database, {len(lost)} lost, 0 duplicates; "
        f"client retries after the kill: {dict(retried) or 'none'}; "
        f"traffic finished {finished_after_kill:.1f} s after the kill; "
        f"all {len(case_ids)} receipts delivered"
    )
