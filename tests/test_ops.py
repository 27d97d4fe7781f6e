"""Operations: request ids and logs, static fingerprints, metrics, readiness, the job
queue with its database fallback, and ``tick``.

Tests that need Redis use a database number of their own (12-15) and fail, rather than
skip, when Redis does not answer (CI starts it in .ci/run).
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from advice.audit.models import AuditEvent
from advice.cases.models import Case, CaseEntry
from advice.clock import utcnow
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.mail.notifications import mail_case_received
from advice.ops import jobs, schedule
from advice.ops.requestlog import JsonFormatter, PrivatePathFilter, RequestIdFilter
from tests.factories import new_case

TRACKING_URL = "https://advice.example.org/track/AbCdEf0123456789xyzXYZ"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
FIRST_TEST_REDIS_DB = 12  # 12-15 for pytest-xdist gw0..gw3; the cluster test uses 11
METRICS_TOKEN = "metrics-token-for-the-tests"


def _redis_database_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    return FIRST_TEST_REDIS_DB + index % 4


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = f"{TEST_REDIS_URL.rstrip('/')}/{_redis_database_number()}"
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except RedisError as error:
        client.close()
        pytest.fail(
            f"Redis does not answer at {url} ({error}). Start it with: redis-server "
            '--daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
        )
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def queue_app(
    app_config: dict[str, Any], redis_url: str, backend: str, request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """The app (on each backend) with ``REDIS_URL`` set to this process's Redis database."""
    app_config["REDIS_URL"] = redis_url
    app: Flask = request.getfixturevalue("app")
    yield app
    connection = app.extensions.pop("advice_redis", None)
    if connection is not None:
        connection.close()


def _outbox_files(app: Flask) -> list[Path]:
    return sorted((Path(app.instance_path) / "outbox").glob("*.eml"))


def _add_intake_route(app: Flask) -> None:
    def submit() -> str:
        created = new_case()
        mail_case_received(created.case, TRACKING_URL)
        db.session.commit()
        return created.case.reference

    submit.is_public = True  # type: ignore[attr-defined]
    app.add_url_rule("/test-intake", "test_intake", submit, methods=["POST"])


def _run_worker(app: Flask) -> None:
    """A burst worker in this process, as ``flask --app advice worker --burst``."""
    connection = Redis.from_url(app.config["REDIS_URL"])
    try:
        with app.app_context():
            queue = jobs.job_queue(connection=connection)
            SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        connection.close()


# Request ids and logs --------------------------------------------------------------------


def test_every_response_carries_a_request_id_and_keeps_the_proxys(client) -> None:
    made = client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    kept = client.get("/", headers={"X-Request-ID": "nginx-4f2a9c0e11"})
    assert kept.headers["X-Request-ID"] == "nginx-4f2a9c0e11"
    refused = client.get("/", headers={"X-Request-ID": "<script>"})
    assert refused.headers["X-Request-ID"] != "<script>"


def test_a_sign_in_redirect_carries_the_request_id_too(client) -> None:
    response = client.get("/queue")
    assert response.status_code == 302
    assert "X-Request-ID" in response.headers


def test_json_log_lines_carry_the_request_id_and_never_a_tracking_token(app: Flask) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PrivatePathFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("advice.test_ops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def noisy() -> str:
        logger.info("looked at %s", "/track/AbCdEf0123456789xyzXYZ/summary.pdf")
        return "ok"

    noisy.is_public = True  # type: ignore[attr-defined]
    app.add_url_rule("/test-noisy", "test_noisy", noisy)
    try:
        response = app.test_client().get("/test-noisy", headers={"X-Request-ID": "rid-12345678"})
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 200
    line = json.loads(stream.getvalue().strip())
    assert line["request_id"] == "rid-12345678"
    assert line["level"] == "INFO" and line["logger"] == "advice.test_ops"
    assert line["message"] == "looked at /track/[token]/summary.pdf"


# Static files ------------------------------------------------------------------------------


def test_static_links_carry_a_content_hash_and_are_cached_for_a_year(client) -> None:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'/static/css/advice\.css\?v=([0-9a-f]{12})"', page)
    assert match, "the stylesheet link has no version"

    versioned = client.get(f"/static/css/advice.css?v={match.group(1)}")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/css/advice.css")
    assert plain.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/css/advice.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    for response in (versioned, plain, stale):
        response.close()


# Readiness and metrics ------------------------------------------------------------------


def test_readiness_checks_the_database_and_the_storage(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_readiness_fails_when_redis_is_configured_but_down(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "down"


@pytest.mark.parametrize(
    "app_config", [{"METRICS_TOKEN": METRICS_TOKEN, "METRICS_ALLOWED_IPS": "10.0.0.0/8"}]
)
def test_metrics_are_not_public(client) -> None:
    assert client.get("/metrics").status_code == 404
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", headers=wrong).status_code == 404
    right = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    assert client.get("/metrics", headers=right).status_code == 200
    monitor = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=monitor).status_code == 200
    # Through a proxy (or pretending to be), the address is never enough.
    proxied = client.get(
        "/metrics", environ_base=monitor, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert proxied.status_code == 404


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": METRICS_TOKEN}])
def test_metrics_count_requests_per_endpoint_and_age_the_oldest_unanswered_case(
    app: Flask, client
) -> None:
    with app.app_context():
        new_case(received_at=utcnow() - timedelta(hours=3))
        answered = new_case(received_at=utcnow() - timedelta(days=9)).case
        answered.first_response_at = utcnow()
        db.session.commit()
    client.get("/")
    client.get("/")

    body = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(
        as_text=True
    )

    requests = re.search(
        r'advice_http_requests_total\{endpoint="public.index",method="GET",status="200"\} (\S+)',
        body,
    )
    assert requests and float(requests.group(1)) >= 2
    assert 'advice_http_request_duration_seconds_bucket{endpoint="public.index"' in body
    age = re.search(r"^advice_oldest_unanswered_case_age_seconds (\S+)$", body, re.M)
    assert age and 3 * 3600 <= float(age.group(1)) < 4 * 3600
    assert re.search(r"^advice_open_cases 2\.0$", body, re.M)
    assert "advice_database_up 1.0" in body
    assert "/track/" not in body


# tick without Redis ------------------------------------------------------------------------


def _stockholm(hour: int) -> datetime:
    """Today at ``hour`` o'clock Swedish time (winter or summer), as UTC."""
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo("Europe/Stockholm")).replace(
        hour=hour, minute=5, second=0, microsecond=0
    )
    return local.astimezone(UTC)


def _daily_runs(kind: str) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "ops.daily_run", AuditEvent.object_id.like(f"{kind}:%"))
        )
        or 0
    )


def test_tick_delivers_due_mail_and_runs_digests_and_retention_once_a_day(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        created = new_case()
        mail_case_received(created.case, TRACKING_URL)
        closed = new_case().case
        closed.status = "closed"
        closed.closed_at = utcnow() - timedelta(days=5 * 365)
        closed_id = closed.id
        db.session.commit()

        before_hours = schedule.tick(now=_stockholm(1))
        assert before_hours.daily == {"digests": "not due", "retention": "not due"}
        assert len(_outbox_files(app)) == 1  # the receipt, delivered by tick

        first = schedule.tick(now=_stockholm(8))
        assert first.daily["digests"].startswith("done")
        assert first.daily["retention"] == (
            "done {'anonymised': 1, 'audit_events_removed': 0, 'login_attempts_removed': 0}"
        )
        assert db.session.get(Case, closed_id).anonymised_at is not None  # type: ignore[union-attr]

        again = schedule.tick(now=_stockholm(9))
        assert again.daily == {"digests": "not due", "retention": "not due"}
        assert _daily_runs("digests") == 1 and _daily_runs("retention") == 1
        # A second machine's timer that races the first one still finds the marker.
        assert schedule.run_daily("retention", now=_stockholm(10)) is None

    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "queue: none" in result.output


# The job queue -----------------------------------------------------------------------------


def test_with_redis_mail_is_enqueued_after_the_response_and_a_worker_delivers_it(
    queue_app: Flask,
) -> None:
    app = queue_app
    _add_intake_route(app)
    response = app.test_client().post("/test-intake")
    response.close()
    assert response.status_code == 200
    assert _outbox_files(app) == []  # not delivered by the app process

    with app.app_context():
        queue = jobs.job_queue()
        assert queue.count == 1
    _run_worker(app)

    assert len(_outbox_files(app)) == 1
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_job_whose_worker_died_is_run_again_and_the_mail_still_goes(queue_app: Flask) -> None:
    app = queue_app
    with app.app_context():
        created = new_case()
        message = mail_case_received(created.case, TRACKING_URL)
        db.session.commit()
        message_id = message.id  # type: ignore[union-attr]
        connection = Redis.from_url(app.config["REDIS_URL"])
        queue = Queue("advice", connection=connection)
        queue.enqueue("advice.ops.tasks.deliver_mail", [message_id], retry=Retry(max=3))

        # A worker takes the job and dies before finishing it: the job stays "started".
        doomed = SimpleWorker([queue], connection=connection)
        doomed.register_birth()
        job, _queue = doomed.dequeue_job_and_maintain_ttl(timeout=1)  # type: ignore[misc]
        doomed.prepare_execution(job)
        assert StartedJobRegistry(queue=queue).get_job_ids()

        # Once its heartbeat has run out, tick's cleanup hands it back to the queue.
        StartedJobRegistry(queue=queue).cleanup(timestamp=utcnow().timestamp() + 3600)
        assert queue.count == 1
        connection.close()

    _run_worker(app)
    assert len(_outbox_files(app)) == 1
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "sent"  # type: ignore[union-attr]


def test_tick_with_redis_but_no_worker_does_the_work_itself(queue_app: Flask) -> None:
    app = queue_app
    with app.app_context():
        mail_case_received(new_case().case, TRACKING_URL)
        db.session.commit()
        report = schedule.tick(now=_stockholm(1))
    assert report.queue == "0 workers"
    assert len(_outbox_files(app)) == 1


def test_failed_jobs_and_given_up_emails_are_shown_to_the_admin_who_can_retry(
    queue_app: Flask, make_user
) -> None:
    app = queue_app
    with app.app_context():
        message = mail_case_received(new_case().case, TRACKING_URL)
        message.status = "failed"  # type: ignore[union-attr]
        message.last_error = "recipient refused: 550 no such user"  # type: ignore[union-attr]
        db.session.commit()
        queue = jobs.job_queue()
        job = queue.enqueue("advice.ops.tasks.no_such_task", description="a job that fails")
    _run_worker(app)
    with app.app_context():
        assert FailedJobRegistry(queue=jobs.job_queue()).get_job_ids() == [job.id]

    adviser = make_user(email="adviser@example.org")
    admin = make_user(email="admin@example.org", roles=("admin",), offices=())
    client = app.test_client()
    client.post("/login", data={"email": adviser.email, "password": adviser.password})
    assert client.get("/admin/jobs").status_code == 403
    client.post("/logout")

    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": admin.password})
    page = client.get("/admin/jobs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "a job that fails" in text
    assert "550 no such user" in text
    assert "asa.oberg@example.com" not in text  # no recipient address on the page

    retried = client.post(f"/admin/jobs/{job.id}/retry")
    assert retried.status_code == 302
    with app.app_context():
        assert FailedJobRegistry(queue=jobs.job_queue()).get_job_ids() == []
        assert jobs.job_queue().count == 1


def test_summary_job_renders_and_sends_the_pdf_exactly_once(queue_app: Flask, make_user) -> None:
    app = queue_app
    adviser = make_user()
    with app.app_context():
        case = new_case().case
        db.session.commit()
        case_id = case.id
        job = jobs.enqueue_summary(case_id, adviser.id, TRACKING_URL)
        job_key = job.args[3]
    _run_worker(app)

    with app.app_context():
        summaries = list(
            db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "summary"))
        )
        assert len(summaries) == 1 and summaries[0].status == "sent"
        from advice.ops.tasks import send_summary

        assert send_summary(case_id, adviser.id, TRACKING_URL, job_key) == "already done"
        sent_entries = db.session.scalar(
            select(func.count())
            .select_from(CaseEntry)
            .where(CaseEntry.case_id == case_id, CaseEntry.kind == "pdf_sent")
        )
        assert sent_entries == 1
    (eml,) = [path for path in _outbox_files(app) if b"application/pdf" in path.read_bytes()]
    assert eml.stat().st_size > 1000


# gunicorn ----------------------------------------------------------------------------------


def test_gunicorn_access_lines_hold_no_address_query_or_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import importlib
    from types import SimpleNamespace

    from gunicorn.config import Config

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    settings = importlib.import_module("advice.ops.gunicorn_conf")
    assert settings.secure_scheme_headers == {}  # proxy headers: the app decides
    config = Config()
    config.set("accesslog", "-")
    logger = settings.PrivateAccessLogger(config)
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/track/AbCdEf0123456789xyzXYZ?email=asa.oberg@example.com",
        "PATH_INFO": "/track/AbCdEf0123456789xyzXYZ",
        "QUERY_STRING": "email=asa.oberg@example.com",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://advice.example.org/track/AbCdEf0123456789xyzXYZ",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(
        status="200 OK", sent=1234, headers=[("X-Request-ID", "rid-0123456789")]
    )
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "198.51.100.7")])
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, request, environ, timedelta(milliseconds=12))
    )
    line = settings.access_log_format % atoms

    assert '"GET /track/[token]" 200 1234' in line
    assert "rid=rid-0123456789" in line
    for secret in ("203.0.113.9", "198.51.100.7", "asa.oberg", "AbCdEf0123456789", "Mozilla"):
        assert secret not in line


# Settings and commands -----------------------------------------------------------------------


def test_redis_url_becomes_the_rate_limit_store_and_storage_path_holds_the_files() -> None:
    from advice.config import derive_settings

    settings: dict[str, Any] = {
        "REDIS_URL": "redis://cache:6379/2",
        "RATELIMIT_STORAGE_URI": "memory://",
        "STORAGE_PATH": "/srv/advice-storage",
    }
    derive_settings(settings)
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert settings["UPLOAD_FOLDER"] == "/srv/advice-storage/uploads"
    assert settings["PDF_CACHE_FOLDER"] == "/srv/advice-storage/pdf-cache"

    chosen: dict[str, Any] = {
        "REDIS_URL": "redis://cache:6379/2",
        "RATELIMIT_STORAGE_URI": "redis://limits:6379/0",
        "STORAGE_PATH": "/srv/advice-storage",
        "UPLOAD_FOLDER": "/mnt/uploads",
    }
    derive_settings(chosen)
    assert chosen["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/0"
    assert chosen["UPLOAD_FOLDER"] == "/mnt/uploads"


def test_backup_command_writes_a_complete_backup_and_keeps_the_newest(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "backups"
    for _ in range(2):
        result = runner.invoke(args=["backup", "--to", str(target), "--keep", "1"])
        assert result.exit_code == 0, result.output
    (kept,) = list(target.iterdir())
    manifest = json.loads((kept / "manifest.json").read_text())
    assert manifest["counts"]["municipalities"] == 26
    assert "removed old backup" in result.output

    refused = runner.invoke(args=["restore", str(kept)])
    assert refused.exit_code != 0
    assert "not empty" in refused.output


def test_send_summary_goes_through_the_worker_when_redis_is_configured(queue_app, make_user, login):
    from advice.cases.models import Case

    client = queue_app.test_client()
    adviser = make_user(offices=("stockholm",))
    with queue_app.app_context():
        reference = new_case().case.reference
        db.session.commit()
    response = client.post("/login", data={"email": adviser.email, "password": adviser.password})
    assert response.status_code == 302
    response = client.post(f"/cases/{reference}/send-summary")
    assert response.status_code == 302
    with queue_app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert "pdf_sent" not in [entry.kind for entry in case.entries]  # not in the request
    _run_worker(queue_app)
    with queue_app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert [entry.kind for entry in case.entries].count("pdf_sent") == 1
