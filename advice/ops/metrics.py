"""Prometheus metrics at ``/metrics``, for the monitoring system only.

Per endpoint: request counts by method and status, and latencies (a histogram). At each
scrape, from the database and Redis: open cases and the age of the oldest unanswered one,
the outbox (pending, failed, age of the oldest pending email) and the job queue (queued,
running, scheduled, failed jobs, workers).

Under gunicorn every worker process counts its own requests; with
``PROMETHEUS_MULTIPROC_DIR`` set (``advice.ops.gunicorn_conf`` sets it) a scrape adds up
the files all processes write there, so any process answers for the whole instance.

Access: a request with ``Authorization: Bearer <METRICS_TOKEN>``, or a direct connection
(no ``X-Forwarded-For``) from an address in ``METRICS_ALLOWED_IPS``. Anyone else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime

from flask import Flask, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from advice.clock import utcnow
from advice.extensions import db
from advice.ops import jobs

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "advice_http_requests_total",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "advice_http_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    # The endpoint name, never the path: paths carry references and tokens.
    endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)


# Access ------------------------------------------------------------------------------


def allowed_to_read() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    allowed = _allowed_networks(str(current_app.config.get("METRICS_ALLOWED_IPS") or ""))
    # The monitoring system scrapes an instance directly: a request that came through a
    # proxy (or claims to have) is never let in by address, and the address checked is the
    # connection's own, not one a forwarded header gave.
    if not allowed or "X-Forwarded-For" in request.headers:
        return False
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    peer = original.get("REMOTE_ADDR") or request.remote_addr
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    return any(address in network for network in allowed)


def _allowed_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in setting.replace(" ", "").split(","):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                log.warning("metrics: ignoring %r in METRICS_ALLOWED_IPS", item)
    return networks


# Figures at scrape time ----------------------------------------------------------------


def _age_seconds(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


class AdviceCollector(Collector):
    """Reads the database and the queue when scraped; a part that fails is left out."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        yield from self._database_figures()
        if jobs.queue_enabled(self.app):
            yield from self._queue_figures()

    def _database_figures(self) -> Iterator[Metric]:
        from advice.cases.models import OPEN_STATUSES, Case
        from advice.mail.models import OutboxMessage

        now = utcnow()
        up = GaugeMetricFamily("advice_database_up", "1 when the database answered the scrape.")
        try:
            open_cases = db.session.scalar(
                select(func.count()).select_from(Case).where(Case.status.in_(OPEN_STATUSES))
            )
            oldest_unanswered = db.session.scalar(
                select(func.min(Case.received_at)).where(
                    Case.status.in_(OPEN_STATUSES), Case.first_response_at.is_(None)
                )
            )
            outbox = dict(
                db.session.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.status.in_(("pending", "failed")))
                    .group_by(OutboxMessage.status)
                ).all()
            )
            oldest_pending = db.session.scalar(
                select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
            )
            db.session.rollback()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("advice_open_cases", "Cases not yet resolved.", value=open_cases)
        yield GaugeMetricFamily(
            "advice_oldest_unanswered_case_age_seconds",
            "Age of the oldest open case without a first response (0: none).",
            value=_age_seconds(oldest_unanswered, now),
        )
        messages = GaugeMetricFamily(
            "advice_outbox_messages", "Emails in the outbox by status.", labels=["status"]
        )
        for status in ("pending", "failed"):
            messages.add_metric([status], outbox.get(status, 0))
        yield messages
        yield GaugeMetricFamily(
            "advice_outbox_oldest_pending_age_seconds",
            "Age of the oldest email not delivered yet (0: none).",
            value=_age_seconds(oldest_pending, now),
        )

    def _queue_figures(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("advice_redis_up", "1 when Redis answered the scrape.")
        try:
            figures = jobs.queue_figures(jobs.job_queue(app=self.app))
        except RedisError:
            log.exception("metrics: Redis did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        queue = GaugeMetricFamily("advice_jobs", "Jobs in the queue by state.", labels=["state"])
        for state in ("queued", "started", "scheduled", "failed"):
            queue.add_metric([state], getattr(figures, state))
        yield queue
        yield GaugeMetricFamily(
            "advice_job_queue_depth", "Jobs waiting for a worker.", value=figures.queued
        )
        yield GaugeMetricFamily(
            "advice_jobs_failed",
            "Jobs that failed for good (see /admin/jobs).",
            value=figures.failed,
        )
        yield GaugeMetricFamily("advice_workers", "Workers listening.", value=figures.workers)


def render_metrics() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        process_part = generate_latest(registry)
    else:
        process_part = generate_latest(REGISTRY)
    figures = CollectorRegistry()
    figures.register(AdviceCollector(app))
    body = process_part + generate_latest(figures)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
