"""The audit log for admins: search by user, case reference and time range; read-only.

There is deliberately no route that edits or deletes an event.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import _
from sqlalchemy import select

from advice.accounts.models import User
from advice.audit.models import AuditEvent
from advice.cases.models import Case
from advice.cases.sla import LOCAL_ZONE
from advice.extensions import db
from advice.security import role_required
from advice.validators import parse_integer

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50
SEARCHABLE_YEARS = (1900, 2999)

admin_only = role_required("admin")


def _date_arg(name: str, errors: list[str]) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(_("Ange datum som ÅÅÅÅ-MM-DD."))
        return None
    # The search takes the day after "to" and the UTC instants of local midnights, which
    # the first and the last years a date can hold do not have.
    if not SEARCHABLE_YEARS[0] <= day.year <= SEARCHABLE_YEARS[1]:
        errors.append(_("Året ligger utanför det som går att visa."))
        return None
    return day


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE)


@bp.get("/admin/audit")
@admin_only
def log() -> tuple[str, int]:
    errors: list[str] = []
    user_id = parse_integer(request.args.get("user"))
    reference = request.args.get("reference", "").strip().upper()[:40]
    since, until = _date_arg("from", errors), _date_arg("to", errors)
    page = max(1, min(parse_integer(request.args.get("page")) or 1, 10_000))

    query = (
        select(AuditEvent, User.name, Case.reference)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Case, Case.id == AuditEvent.case_id)
    )
    if user_id is not None:
        query = query.where(AuditEvent.actor_id == user_id)
    if reference:
        query = query.where(Case.reference == reference)
    if since is not None:
        query = query.where(AuditEvent.at >= _start_of(since))
    if until is not None:
        query = query.where(AuditEvent.at < _start_of(until + timedelta(days=1)))
    rows: list[Any] = []
    if not errors:
        rows = list(
            db.session.execute(
                query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
            )
        )
    has_next = len(rows) > PAGE_SIZE
    users = db.session.execute(select(User.id, User.name).order_by(User.name)).all()
    filters = {
        key: value
        for key, value in {
            "user": user_id or "",
            "reference": reference,
            "from": request.args.get("from", "").strip(),
            "to": request.args.get("to", "").strip(),
        }.items()
        if value
    }
    return render_template(
        "audit/log.html",
        events=rows[:PAGE_SIZE],
        users=users,
        filters=filters,
        page=page,
        has_next=has_next,
        errors=errors,
    ), 400 if errors else 200
