from __future__ import annotations

import secrets
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from itsdangerous import BadSignature, URLSafeSerializer

from advice.attachments.services import UploadRefused, check_uploads
from advice.extensions import limiter
from advice.i18n import current_language
from advice.intake import bp
from advice.intake.forms import AskForm
from advice.intake.services import CONSENT_NOTICE_VERSION, Submission, case_for_key, receive
from advice.regions.services import setting
from advice.security import public


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
    form.set_choices(language)
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
        new_case=form.new_case(channel_code="web", consent_notice_version=CONSENT_NOTICE_VERSION),
        uploads=uploads,
        idempotency_key=key,
    )
    created = receive(submission)
    if created is None:
        # The same form was sent twice at once; the other request created the case.
        return redirect(url_for("intake.received", submission=form.submission.data))
    receipts = session.get("intake_receipts", {})
    receipts = dict(list(receipts.items())[-4:])
    receipts[key] = created.tracking_token
    session["intake_receipts"] = receipts
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
