"""The job queue: RQ on Redis when ``REDIS_URL`` is set, the database outbox otherwise.

The database stays the record of the work. A job is only a fast trigger ("deliver outbox
message 42", "run today's retention"): the outbox message, the case and the markers of
the daily runs live in the database until the work is done. So a job lost with Redis, or
with a worker that died mid-job, costs time, not work: RQ retries a failed or abandoned
job after 30 s, 1, 2, 5 and 10 minutes, and after that ``tick`` (every minute from a
timer) finds what is still due and delivers or enqueues it again.

Without ``REDIS_URL`` nothing here touches Redis: emails go out after the response from
the app process (``advice.mail.services``) and ``tick`` does the rest in its own process.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

log = logging.getLogger(__name__)

RETRY_INTERVALS = (30, 60, 120, 300, 600)
JOB_TIMEOUT_SECONDS = 300
LONG_JOB_TIMEOUT_SECONDS = 3600  # retention over a large region
RESULT_TTL_SECONDS = 3600
FAILURE_TTL_SECONDS = 30 * 24 * 3600
# Seconds the web processes wait for Redis before giving up on it (then tick catches up).
SOCKET_TIMEOUT_SECONDS = 5
LIVE_STATUSES = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def queue_enabled(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REDIS_URL"))


def redis_connection(app: Flask | None = None) -> Redis:
    """The process's Redis client for short commands (a pool, safe across threads)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    connection = app.extensions.get("advice_redis")
    if connection is None:
        connection = Redis.from_url(
            app.config["REDIS_URL"],
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
        app.extensions["advice_redis"] = connection
    return connection


def job_queue(connection: Redis | None = None, app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Queue(
        str(app.config.get("JOB_QUEUE_NAME") or "advice"),
        connection=connection or redis_connection(app),
    )


def enqueue(
    function: str,
    *args: Any,
    job_id: str | None = None,
    description: str | None = None,
    timeout: int = JOB_TIMEOUT_SECONDS,
    app: Flask | None = None,
) -> Job:
    """Put a job on the queue with retries; ``job_id`` keeps one live job per id."""
    queue = job_queue(app=app)
    if job_id is not None:
        existing = (
            Job.fetch(job_id, connection=queue.connection) if _exists(queue, job_id) else None
        )
        if existing is not None and existing.get_status(refresh=True) in LIVE_STATUSES:
            return existing
    return queue.enqueue(
        function,
        *args,
        job_id=job_id,
        description=description,
        job_timeout=timeout,
        result_ttl=RESULT_TTL_SECONDS,
        failure_ttl=FAILURE_TTL_SECONDS,
        retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
    )


def _exists(queue: Queue, job_id: str) -> bool:
    return bool(queue.connection.exists(Job.key_for(job_id)))


def enqueue_delivery(app: Flask, ids: Sequence[int]) -> None:
    """After a request's commit: a job to deliver the messages it queued.

    Never raises: with Redis away the messages stay pending for ``tick``.
    """
    try:
        with app.app_context():
            enqueue(
                "advice.ops.tasks.deliver_mail",
                list(ids),
                description=f"deliver outbox messages {', '.join(map(str, ids))}",
            )
    except RedisError:
        log.exception("jobs: could not enqueue mail delivery; tick will deliver it")


def enqueue_summary(case_id: int, user_id: int, tracking_url: str) -> Job:
    """Render and send a case's summary in a worker (``advice.ops.tasks.send_summary``)."""
    key = uuid.uuid4().hex
    return enqueue(
        "advice.ops.tasks.send_summary",
        case_id,
        user_id,
        tracking_url,
        key,
        job_id=f"advice-summary-{key}",
        description=f"render and send the summary of case {case_id}",
    )


def workers_alive(queue: Queue) -> int:
    return len(Worker.all(queue=queue))


def requeue_abandoned(queue: Queue) -> None:
    """Jobs whose worker died: retried while retries remain, failed after (RQ's cleanup)."""
    StartedJobRegistry(queue=queue).cleanup()


@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    failed_at: datetime | None
    error: str


@dataclass(frozen=True)
class QueueFigures:
    queued: int
    started: int
    scheduled: int
    failed: int
    workers: int


def queue_figures(queue: Queue) -> QueueFigures:
    return QueueFigures(
        queued=queue.count,
        started=StartedJobRegistry(queue=queue).count,
        scheduled=ScheduledJobRegistry(queue=queue).count,
        failed=FailedJobRegistry(queue=queue).count,
        workers=workers_alive(queue),
    )


def failed_jobs(queue: Queue, limit: int = 50) -> list[FailedJob]:
    registry = FailedJobRegistry(queue=queue)
    jobs = Job.fetch_many(registry.get_job_ids(0, limit - 1), connection=queue.connection)
    failed = []
    for job in jobs:
        if job is None:
            continue
        error = ""
        result = job.latest_result()
        if result is not None and result.exc_string:
            lines = [line for line in result.exc_string.strip().splitlines() if line.strip()]
            error = lines[-1] if lines else ""
        failed.append(
            FailedJob(
                id=job.id,
                description=job.description or job.func_name,
                failed_at=job.ended_at,
                error=error[:500],
            )
        )
    return failed


def retry_failed_job(queue: Queue, job_id: str) -> bool:
    registry = FailedJobRegistry(queue=queue)
    if job_id not in registry.get_job_ids():
        return False
    registry.requeue(job_id)
    return True
