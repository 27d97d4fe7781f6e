from __future__ import annotations

from io import BytesIO

from flask import current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from advice.audit import services as audit
from advice.cases.access import get_case_by_token_or_404, get_case_or_404
from advice.cases.models import Case
from advice.cases.services import mint_tracking_token
from advice.documents import bp
from advice.documents.services import (
    NoAddress,
    RenderedDocument,
    record_document,
    send_summary,
    summary_document,
)
from advice.extensions import db
from advice.i18n import current_language
from advice.security import public, role_required
from advice.tracking.views import token_limit

adviser_only = role_required("adviser")


def pdf_response(document: RenderedDocument) -> Response:
    """The PDF shown in the browser, answered with 304 when the reader has these bytes.

    ``private, no-cache``: the browser may keep it but asks each time (an ETag check),
    and no shared cache stores a document with personal data.
    """
    response = send_file(
        BytesIO(document.data),
        mimetype="application/pdf",
        download_name=document.filename,
        as_attachment=False,
        etag=document.etag,
        last_modified=document.last_modified,
        conditional=True,
        max_age=0,
    )
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.cache_control.public = False
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _audit_view(
    action: str, case: Case, document: RenderedDocument, actor_label: str | None = None
) -> None:
    audit.record(
        action,
        obj=case,
        case_id=case.id,
        actor_label=actor_label,
        details={"document": document.etag, "from_cache": document.from_cache},
    )


@bp.get("/cases/<reference>/summary.pdf")
@adviser_only
def case_summary(reference: str) -> Response:
    case = get_case_or_404(reference)
    document = summary_document(case)
    _audit_view("case.summary_viewed", case, document)
    db.session.commit()
    return pdf_response(document)


@bp.get("/cases/<reference>/record.pdf")
@adviser_only
def case_record(reference: str) -> Response:
    case = get_case_or_404(reference)
    document = record_document(case, current_language())
    _audit_view("case.record_viewed", case, document)
    db.session.commit()
    return pdf_response(document)


@bp.post("/cases/<reference>/send-summary")
@adviser_only
def send_case_summary(reference: str) -> Response:
    case = get_case_or_404(reference)
    token = mint_tracking_token(case)
    tracking_url = url_for("tracking.track", token=token, _external=True)
    contact = case.contact
    if (
        current_app.config.get("REDIS_URL")
        and contact
        and contact.email
        and not contact.anonymised_at
    ):
        # With a worker, rendering happens there; the token must be committed first.
        from advice.ops.jobs import enqueue_summary

        db.session.commit()
        enqueue_summary(case.id, current_user.id, tracking_url)
        flash(_("Sammanfattningen skapas och skickas till frågeställaren om en stund."), "success")
        return redirect(url_for("cases.case_page", reference=case.reference) + "#timeline")
    try:
        send_summary(case, current_user, tracking_url)
    except NoAddress:
        db.session.rollback()
        flash(
            _("Frågeställaren har ingen e-postadress. Skriv ut sammanfattningen i stället."),
            "error",
        )
        return redirect(url_for("cases.case_page", reference=reference) + "#documents")
    db.session.commit()
    flash(_("Sammanfattningen är skickad till frågeställaren."), "success")
    return redirect(url_for("cases.case_page", reference=case.reference) + "#timeline")


@bp.get("/track/<token>/summary.pdf")
@public
@token_limit
def tracking_summary(token: str) -> Response:
    case = get_case_by_token_or_404(token)
    document = summary_document(case)
    _audit_view("case.summary_viewed", case, document, actor_label="requester")
    db.session.commit()
    return pdf_response(document)
