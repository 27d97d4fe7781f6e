"""Scheduled work: ``tick`` runs every minute from cron or a systemd timer.

Each tick purges old email records, hands abandoned jobs back to the queue, delivers (or
enqueues the delivery of) every email that is due, and starts the daily runs whose hour
has come: the advisers' digests (``DIGEST_HOUR``, 07 local time) and retention
(``RETENTION_HOUR``, 02). A daily run happens once per local day whatever the number of
ticks, machines or workers: it takes a lock (an advisory lock on PostgreSQL; SQLite's
single writer does the same), checks its marker for the day, does the work and writes
the marker in the same transaction. The marker is an audit event (``ops.daily_run``,
object ``<kind>:<date>``), so the audit log also shows when each run happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select, text

from advice.audit import services as audit
from advice.audit.models import AuditEvent
from advice.clock import utcnow
from advice.extensions import db
from advice.mail.services import deliver_pending, purge_old_messages
from advice.ops import jobs

log = logging.getLogger(__name__)

DAILY_RUN = "ops.daily_run"
# Arbitrary constants for pg_advisory_xact_lock, one per daily run.
ADVISORY_LOCKS = {"digests": 7_201_001, "retention": 7_201_002}
DAILY_HOURS = {"digests": "DIGEST_HOUR", "retention": "RETENTION_HOUR"}


def local_now(now: datetime | None = None) -> datetime:
    zone = ZoneInfo(str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Stockholm"))
    return (now or utcnow()).astimezone(zone)


def _marker(kind: str, day: date) -> str:
    return f"{kind}:{day.isoformat()}"


def done_on(kind: str, day: date, now: datetime) -> bool:
    # The time bound keeps the lookup on the audit log's index of times.
    found = db.session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.at >= now - timedelta(days=2),
            AuditEvent.action == DAILY_RUN,
            AuditEvent.object_type == "ops",
            AuditEvent.object_id == _marker(kind, day),
        )
        .limit(1)
    )
    return found is not None


def is_due(kind: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    local = local_now(now)
    hour = int(current_app.config.get(DAILY_HOURS[kind]) or 0)
    return local.hour >= hour and not done_on(kind, local.date(), now)


def _run_digests(now: datetime) -> dict[str, int]:
    from advice.mail.notifications import send_daily_digests

    return {"queued": send_daily_digests(now)}


def _run_retention(now: datetime) -> dict[str, int]:
    from advice.privacy.services import run_retention

    report = run_retention(dry_run=False, now=now)
    return {
        "anonymised": report.count,
        "audit_events_removed": report.audit_events,
        "login_attempts_removed": report.login_attempts,
    }


DAILY_WORK: dict[str, Callable[[datetime], dict[str, int]]] = {
    "digests": _run_digests,
    "retention": _run_retention,
}


def run_daily(kind: str, now: datetime | None = None) -> dict[str, int] | None:
    """Do the day's ``kind`` run unless it has been done; None when it had been.

    Commits the work and its marker together. Emails the run queued are delivered
    afterwards (or enqueued, with Redis).
    """
    now = now or utcnow()
    day = local_now(now).date()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCKS[kind]}
        )
    if done_on(kind, day, now):
        db.session.commit()
        return None
    outcome = DAILY_WORK[kind](now)
    event = audit.record(DAILY_RUN, details={"kind": kind, "date": day.isoformat(), **outcome})
    event.object_type = "ops"
    event.object_id = _marker(kind, day)
    db.session.commit()
    log.info("ops: %s run for %s: %s", kind, day, outcome)
    deliver_due()
    return outcome


def deliver_due() -> None:
    """Deliver what is due here, or leave it to the workers when there are some."""
    if jobs.queue_enabled():
        try:
            queue = jobs.job_queue()
            if jobs.workers_alive(queue):
                jobs.enqueue("advice.ops.tasks.deliver_due", job_id="advice-outbox-due")
                return
            log.warning("ops: no worker is running; delivering the outbox from this process")
        except RedisError:
            log.exception("ops: Redis does not answer; delivering the outbox from this process")
    deliver_pending(None)


@dataclass
class TickReport:
    purged: int = 0
    daily: dict[str, str] = field(default_factory=dict)
    queue: str = "none"


def tick(now: datetime | None = None) -> TickReport:
    """One round of scheduled work; see the module's description."""
    now = now or utcnow()
    report = TickReport()
    report.purged = purge_old_messages(now)
    db.session.commit()

    workers = 0
    queue = None
    if jobs.queue_enabled():
        try:
            queue = jobs.job_queue()
            jobs.requeue_abandoned(queue)
            workers = jobs.workers_alive(queue)
            report.queue = f"{workers} workers"
        except RedisError:
            log.exception("ops: Redis does not answer; tick does the work itself")
            queue = None
            report.queue = "unreachable"

    for kind in DAILY_WORK:
        if not is_due(kind, now):
            db.session.commit()
            report.daily[kind] = "not due"
            continue
        db.session.commit()
        if queue is not None and workers:
            day = local_now(now).date().isoformat()
            jobs.enqueue(
                "advice.ops.tasks.daily_run",
                kind,
                job_id=f"advice-daily-{kind}-{day}",
                timeout=jobs.LONG_JOB_TIMEOUT_SECONDS,
                description=f"daily {kind} run for {day}",
            )
            report.daily[kind] = "enqueued"
        else:
            outcome = run_daily(kind, now)
            report.daily[kind] = "already done" if outcome is None else f"done {outcome}"

    if queue is not None and workers:
        jobs.enqueue("advice.ops.tasks.deliver_due", job_id="advice-outbox-due")
    else:
        deliver_pending(None)
    return report
