from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from advice.attachments.services import (
    StoredFiles,
    UploadRefused,
    attachment_response,
    check_uploads,
    store_attachment,
)
from advice.audit import services as audit
from advice.cases.access import get_case_by_token_or_404
from advice.cases.models import Attachment, Case, CaseEntry
from advice.cases.services import (
    CaseError,
    record_satisfaction,
    request_erasure,
    requester_message,
)
from advice.extensions import db, limiter
from advice.mail.notifications import notify_requester_replied
from advice.privacy.services import latest_erasure_decision
from advice.security import public
from advice.tracking import bp
from advice.tracking.forms import ErasureForm, RequesterReplyForm, SatisfactionForm


def _only_failed_lookups(response: Response) -> bool:
    # Guessing tokens costs; following one's own link does not.
    return response.status_code == 404


token_limit = limiter.limit(
    lambda: "30 per minute; 200 per hour",
    deduct_when=_only_failed_lookups,
    scope="tracking",
)


def _public_entries(case: Case) -> list[CaseEntry]:
    return [entry for entry in case.entries if entry.is_public]


def _page(case: Case, token: str, status: int = 200, **forms: Any) -> tuple[str, int]:
    reply_form = forms.get("reply_form") or RequesterReplyForm()
    erasure_form = forms.get("erasure_form") or ErasureForm(prefix="erasure")
    satisfaction_form = forms.get("satisfaction_form") or SatisfactionForm(prefix="satisfaction")
    attachments = db.session.scalars(
        select(Attachment)
        .where(Attachment.case_id == case.id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.id)
    ).all()
    return (
        render_template(
            "tracking/track.html",
            case=case,
            token=token,
            entries=_public_entries(case),
            attachments=attachments,
            reply_form=reply_form,
            erasure_form=erasure_form,
            satisfaction_form=satisfaction_form,
            erasure_decision=latest_erasure_decision(case),
        ),
        status,
    )


@bp.get("/track/<token>")
@public
@token_limit
def track(token: str) -> tuple[str, int]:
    case = get_case_by_token_or_404(token)
    audit.record("case.tracking_viewed", obj=case, case_id=case.id, actor_label="requester")
    page = _page(case, token)  # before the commit, which would expire what it shows
    db.session.commit()
    return page


@bp.post("/track/<token>/reply")
@public
@token_limit
def reply(token: str) -> Response | tuple[str, int]:
    case = get_case_by_token_or_404(token)
    form = RequesterReplyForm()
    if case.anonymised_at is not None:
        flash(_("Ärendet är avslutat och dess uppgifter är gallrade."), "error")
        return redirect(url_for("tracking.track", token=token))
    if not form.validate_on_submit():
        return _page(case, token, 400, reply_form=form)
    try:
        uploads = check_uploads(request.files.getlist(form.attachments.name))
    except UploadRefused as refusal:
        form.attachments.errors = [str(refusal)]
        return _page(case, token, 400, reply_form=form)
    written = StoredFiles()
    try:
        entry = requester_message(case, form.body.data or "")
        for upload in uploads:
            store_attachment(case, upload, written, entry=entry, by_requester=True)
        notify_requester_replied(case)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        written.discard()
        raise
    flash(_("Tack! Ditt meddelande är skickat till rådgivaren."), "success")
    return redirect(url_for("tracking.track", token=token) + "#timeline")


@bp.get("/track/<token>/attachments/<int:attachment_id>")
@public
@token_limit
def attachment(token: str, attachment_id: int) -> Response:
    case = get_case_by_token_or_404(token)
    item = db.get_or_404(Attachment, attachment_id)
    if item.case_id != case.id:
        abort(404)
    audit.record("attachment.downloaded", obj=item, case_id=case.id, actor_label="requester")
    db.session.commit()
    return attachment_response(item)


@bp.post("/track/<token>/erasure")
@public
@token_limit
def erasure(token: str) -> Response | tuple[str, int]:
    case = get_case_by_token_or_404(token)
    form = ErasureForm(prefix="erasure")
    if not form.validate_on_submit():
        return _page(case, token, 400, erasure_form=form)
    request_erasure(case, form.reason.data)
    db.session.commit()
    flash(
        _(
            "Din begäran om radering är registrerad. En rådgivare prövar den enligt "
            "kommunens regler för gallring och du får besked."
        ),
        "success",
    )
    return redirect(url_for("tracking.track", token=token))


@bp.route("/track/<token>/satisfaction", methods=["GET", "POST"])
@public
@token_limit
def satisfaction(token: str) -> Response | tuple[str, int]:
    """The email's one-click links land here with the score chosen; one button confirms.

    A GET never records anything: mail scanners follow links on their own.
    """
    case = get_case_by_token_or_404(token)
    form = SatisfactionForm(prefix="satisfaction")
    if request.method == "GET":
        score = request.args.get("score", "")
        if score in {"1", "2", "3", "4", "5"}:
            form.score.data = score
        return render_template("tracking/satisfaction.html", case=case, token=token, form=form), 200
    # The tracking page offers the form only while an answer can be taken; a post at
    # another time (a second tab, an old link) is told why, not given a page without it.
    refusal = _satisfaction_refusal(case)
    if refusal is not None:
        abort(400, description=refusal)
    if not form.validate_on_submit():
        html = render_template("tracking/satisfaction.html", case=case, token=token, form=form)
        return html, 400
    try:
        record_satisfaction(case, int(form.score.data), form.comment.data)
    except CaseError:
        abort(400, description=_satisfaction_refusal(case))
    db.session.commit()
    flash(_("Tack för ditt svar!"), "success")
    return redirect(url_for("tracking.track", token=token))


def _satisfaction_refusal(case: Case) -> str | None:
    if case.anonymised_at is not None:
        return _("Ärendet är avslutat och dess uppgifter är gallrade.")
    if case.status not in ("resolved", "closed"):
        return _("Ärendet är inte avslutat ännu. Du kan svara när rådgivaren har löst det.")
    if case.satisfaction is not None:
        return _("Du har redan svarat på hur nöjd du är. Tack!")
    return None
