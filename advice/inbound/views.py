"""The quarantine for admins, and the email behind a case for its advisers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from advice.audit import services as audit
from advice.cases.access import get_case_or_404
from advice.extensions import db
from advice.inbound import bp
from advice.inbound.models import InboundMessage
from advice.inbound.services import (
    InboundError,
    dismiss_quarantined,
    quarantined_messages,
    recently_ignored,
    retry_quarantined,
)
from advice.security import role_required

admin_only = role_required("admin")


@bp.get("/inbound/quarantine")
@admin_only
def quarantine() -> str:
    return render_template(
        "inbound/quarantine.html",
        quarantined=quarantined_messages(),
        ignored=recently_ignored(),
    )


@bp.post("/inbound/quarantine/<int:inbound_id>/retry")
@admin_only
def retry(inbound_id: int) -> Response:
    try:
        outcome = retry_quarantined(inbound_id, actor_id=current_user.id)
    except InboundError:
        abort(404)
    if outcome.status == "quarantined":
        flash(_("Meddelandet kunde fortfarande inte behandlas."), "error")
    else:
        flash(_("Meddelandet är behandlat."), "success")
    return redirect(url_for("inbound.quarantine"))


@bp.post("/inbound/quarantine/<int:inbound_id>/dismiss")
@admin_only
def dismiss(inbound_id: int) -> Response:
    try:
        dismiss_quarantined(inbound_id, actor_id=current_user.id)
    except InboundError:
        abort(404)
    db.session.commit()
    flash(_("Meddelandet är borttaget ur karantänen."), "success")
    return redirect(url_for("inbound.quarantine"))


@bp.get("/inbound/cases/<reference>")
@role_required("adviser")
def case_mail(reference: str) -> str:
    """Every email of a case with what was folded away: quoted history, signatures."""
    case = get_case_or_404(reference)
    audit.record("case.mail_viewed", obj=case, case_id=case.id)
    db.session.commit()
    messages = list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.case_id == case.id, InboundMessage.status == "processed")
            .order_by(InboundMessage.received_at, InboundMessage.id)
        )
    )
    return render_template("inbound/case_mail.html", case=case, messages=messages)
