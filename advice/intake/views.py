from __future__ import annotations

import secrets
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from advice.attachments.services import StoredFiles, UploadRefused, check_uploads
from advice.cases.contacts import ContactDetails
from advice.cases.services import NewCase
from advice.extensions import db, limiter
from advice.i18n import current_language
from advice.intake import bp
from advice.intake.forms import AskForm
from advice.intake.services import Submission, case_for_key, submit
from advice.mail.notifications import mail_case_received, notify_new_case
from advice.mail.services import deliver_after_request
from advice.regions.services import setting
from advice.security import public
from advice.taxonomy.choices import municipality_choices, term_choices
from advice.taxonomy.models import RequesterType, Topic

CONSENT_NOTICE_VERSION = "2026-01"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="intake-submission")


def _new_submission_token() -> str:
    return str(_serializer().dumps(secrets.token_urlsafe(18)))


def _submission_key(token: str | None) -> str | None:
    """The key inside a signed token; None when the token was altered or is missing."""
    if not token:
        return None
    try:
        key = _serializer().loads(token)
    except BadSignature:
        return None
    return f"ask:{key}" if isinstance(key, str) else None


def _prepared_form() -> AskForm:
    form = AskForm()
    language = current_language()
    form.municipality.choices = [("", _("Välj kommun")), *municipality_choices()]
    form.requester_type.choices = term_choices(RequesterType, language)
    form.topics.choices = term_choices(Topic, language)
    if request.method == "GET":
        form.language.data = language
        form.submission.data = _new_submission_token()
    return form


def _render(form: AskForm, status: int = 200, notice: str | None = None) -> tuple[str, int]:
    files_dropped = request.method == "POST" and any(
        upload.filename for upload in request.files.getlist(form.attachments.name)
    )
    return (
        render_template("intake/ask.html", form=form, files_dropped=files_dropped, notice=notice),
        status,
    )


def _too_many_submissions(_limit: RequestLimit) -> FlaskResponse:
    """Over the limit, the person keeps every word they typed and is told to wait."""
    form = _prepared_form()
    form.validate()  # fills the fields from the post; errors are beside the point here
    form.form_errors.append(
        _("Du har skickat många frågor på kort tid. Vänta en stund och skicka igen.")
    )
    html, _status = _render(form)
    # Flask-Limiter only uses a flask.Response, not a plain Werkzeug one.
    return current_app.response_class(html, status=429, content_type="text/html; charset=utf-8")


def _intake_limit() -> str:
    return str(current_app.config.get("INTAKE_RATE_LIMIT", "5 per minute; 30 per hour"))


@bp.route("/ask", methods=["GET", "POST"])
@public
@limiter.limit(_intake_limit, methods=["POST"], on_breach=_too_many_submissions)
def ask() -> Any:
    form = _prepared_form()
    if request.method == "GET":
        return _render(form)
    if not form.validate_on_submit():
        return _render(form, 400)
    if form.website.data:
        form.website.errors = [_("Lämna det här fältet tomt.")]
        return _render(form, 400)
    key = _submission_key(form.submission.data)
    if key is None:
        form.submission.data = _new_submission_token()
        form.form_errors.append(
            _("Formuläret kunde inte kontrolleras. Dina uppgifter finns kvar: skicka igen.")
        )
        return _render(form, 400)
    existing = case_for_key(key)
    if existing is not None:
        return redirect(url_for("intake.received", submission=form.submission.data))
    try:
        uploads = check_uploads(request.files.getlist(form.attachments.name))
    except UploadRefused as refusal:
        form.attachments.errors = [str(refusal)]
        return _render(form, 400)

    submission = Submission(
        new_case=NewCase(
            question=form.question.data or "",
            channel_code="web",
            municipality_id=int(form.municipality.data),
            requester_type_id=int(form.requester_type.data),
            topic_ids=[int(topic) for topic in form.topics.data or []],
            contact=ContactDetails(
                name=form.name.data,
                email=form.email.data,
                phone=form.phone.data or None,
                language=form.language.data or "sv",
            ),
            language=form.language.data or "sv",
            property_type=form.property_type.data or None,
            year_built=form.year_built.data,
            heated_area_m2=form.heated_area_m2.data,
            heating_system=form.heating_system.data or None,
            consent_notice_version=CONSENT_NOTICE_VERSION,
        ),
        uploads=uploads,
        idempotency_key=key,
    )
    written = StoredFiles()
    try:
        created = submit(submission, written)
        tracking_url = url_for("tracking.track", token=created.tracking_token, _external=True)
        mail_case_received(created.case, tracking_url)
        notify_new_case(created.case)
        db.session.commit()
    except IntegrityError:
        # The same form was sent twice at once; the other request created the case.
        db.session.rollback()
        written.discard()
        if case_for_key(key) is None:
            raise
        return redirect(url_for("intake.received", submission=form.submission.data))
    except BaseException:
        db.session.rollback()
        written.discard()
        raise
    receipts = session.get("intake_receipts", {})
    receipts = dict(list(receipts.items())[-4:])
    receipts[key] = created.tracking_token
    session["intake_receipts"] = receipts
    deliver_after_request()
    return redirect(url_for("intake.received", submission=form.submission.data))


@bp.get("/ask/received/<submission>")
@public
def received(submission: str) -> str:
    key = _submission_key(submission)
    case = case_for_key(key) if key else None
    if case is None:
        abort(404)
    token = session.get("intake_receipts", {}).get(key)
    tracking_url = url_for("tracking.track", token=token, _external=True) if token else None
    return render_template(
        "intake/received.html",
        case=case,
        tracking_url=tracking_url,
        sla_days=int(setting("sla_working_days") or 2),
    )
