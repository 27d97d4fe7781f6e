"""``/readyz`` for the load balancer, ``/metrics`` for monitoring, ``/admin/jobs`` for the admin."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from advice.attachments.services import upload_folder
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.ops import bp, jobs
from advice.ops.metrics import allowed_to_read, render_metrics
from advice.security import public, role_required

log = logging.getLogger(__name__)

FAILED_MESSAGES_SHOWN = 50


def _database_ready() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def _redis_ready() -> bool:
    try:
        return bool(jobs.redis_connection().ping())
    except RedisError:
        return False


def _storage_ready() -> bool:
    folder: Path = upload_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return folder.is_dir()


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Ready for traffic: the database, Redis (when configured) and the shared storage."""
    checks = {"database": _database_ready(), "storage": _storage_ready()}
    if jobs.queue_enabled():
        checks["redis"] = _redis_ready()
    ready = all(checks.values())
    body = {name: "ok" if passed else "down" for name, passed in checks.items()}
    return jsonify(status="ok" if ready else "unavailable", **body), 200 if ready else 503


@bp.get("/metrics")
@public
def metrics() -> Response:
    if not allowed_to_read():
        abort(404)
    return render_metrics()


admin_only = role_required("admin")


@bp.get("/admin/jobs")
@admin_only
def failed_work() -> str:
    """What did not get done: failed jobs in the queue and emails that were given up on."""
    queue_state = None
    failed_jobs: list[jobs.FailedJob] = []
    if jobs.queue_enabled():
        try:
            queue = jobs.job_queue()
            queue_state = jobs.queue_figures(queue)
            failed_jobs = jobs.failed_jobs(queue)
        except RedisError:
            log.exception("jobs page: Redis does not answer")
            flash(_("Jobbkön (Redis) svarar inte just nu."), "error")
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(FAILED_MESSAGES_SHOWN)
    ).all()
    return render_template(
        "ops/jobs.html",
        queue_enabled=jobs.queue_enabled(),
        queue_state=queue_state,
        failed_jobs=failed_jobs,
        failed_messages=messages,
    )


@bp.post("/admin/jobs/<job_id>/retry")
@admin_only
def retry_job(job_id: str) -> Response:
    if not jobs.queue_enabled():
        abort(404)
    try:
        retried = jobs.retry_failed_job(jobs.job_queue(), job_id)
    except RedisError:
        log.exception("jobs page: Redis does not answer")
        retried = False
    if retried:
        flash(_("Jobbet är lagt i kön igen."), "success")
    else:
        flash(_("Jobbet kunde inte läggas i kön igen."), "error")
    return redirect(url_for("ops.failed_work"))
