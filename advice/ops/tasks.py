"""The functions RQ workers run, by name (``advice.ops.tasks.<function>``).

Each runs inside the worker's app context, in a database session of its own, and is safe
to run twice: the database says what is still to do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from advice.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


class StillPending(RuntimeError):
    """Some messages could not be delivered yet: RQ tries again after its interval."""


def in_own_session(function: F) -> F:
    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()

    return wrapped  # type: ignore[return-value]


@in_own_session
def deliver_mail(ids: list[int]) -> dict[str, int]:
    """Deliver these outbox messages; raises while some are still pending (retry)."""
    from advice.mail.services import deliver_pending

    report = deliver_pending(None, ids=ids)
    if report.pending:
        raise StillPending(f"{report.pending} of {len(ids)} messages still pending")
    return {"sent": report.sent, "failed": report.failed}


@in_own_session
def deliver_due() -> dict[str, int]:
    """Deliver every message that is due (tick's trigger); retries wait for their time."""
    from advice.mail.services import deliver_pending

    report = deliver_pending(None)
    return {"sent": report.sent, "failed": report.failed, "pending": report.pending}


@in_own_session
def daily_run(kind: str) -> dict[str, int] | None:
    from advice.ops.schedule import run_daily

    return run_daily(kind)


@in_own_session
def send_summary(case_id: int, user_id: int, tracking_url: str, job_key: str) -> str:
    """Render the case's summary PDF and queue it to the requester (``enqueue_summary``).

    The job's key is written with the work (an audit event in the same transaction), so a
    retry after a crash between the commit and RQ's bookkeeping sends nothing twice.
    """
    from sqlalchemy import select

    from advice.accounts.models import User
    from advice.audit import services as audit
    from advice.audit.models import AuditEvent
    from advice.cases.models import Case
    from advice.documents.services import NoAddress
    from advice.documents.services import send_summary as send
    from advice.ops import schedule

    done = db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == "ops.job_done",
            AuditEvent.object_type == "job",
            AuditEvent.object_id == job_key,
        )
    )
    if done is not None:
        return "already done"
    case = db.session.get(Case, case_id)
    user = db.session.get(User, user_id)
    if case is None or user is None:
        return "case or user gone"
    try:
        send(case, user, tracking_url)
    except NoAddress:
        db.session.rollback()
        return "no address"
    event = audit.record("ops.job_done", case_id=case_id, details={"job": "send_summary"})
    event.object_type = "job"
    event.object_id = job_key
    db.session.commit()
    schedule.deliver_due()
    return "sent"
