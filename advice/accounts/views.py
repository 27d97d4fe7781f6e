from __future__ import annotations

import time
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from advice.accounts import bp, totp
from advice.accounts.forms import (
    AccountSettingsForm,
    DisableTotpForm,
    EnrolTotpForm,
    LoginForm,
    RenewRecoveryCodesForm,
    SignInCodeForm,
)
from advice.accounts.models import LoginAttempt, User
from advice.accounts.passwords import verify_password
from advice.accounts.sealing import SealBroken, seal, unseal
from advice.accounts.services import authenticate, complete_sign_in, is_throttled
from advice.api.forms import PersonalTokenForm
from advice.api.models import PersonalToken
from advice.api.tokens import (
    MAX_ACTIVE_TOKENS,
    PersonalTokenError,
    active_tokens,
    create_token,
    revoke_token,
)
from advice.audit import services as audit
from advice.extensions import db
from advice.i18n import safe_next
from advice.security import ENROLMENT_REQUIRED, public, role_required

# Between the password and the code: who, under which session epoch, since when, and
# where to go afterwards. The user is not signed in until the code is right.
PENDING_SIGN_IN = "pending_sign_in"
PENDING_SIGN_IN_SECONDS = 5 * 60
# The secret being enrolled, sealed, until the app's first code confirms it.
PENDING_SECRET = "totp_pending_secret"  # noqa: S105 (a session key's name)


def landing_page() -> str:
    """Where a signed-in user starts: the queue for advisers, else the start page."""
    if current_user.has_role("adviser") and "cases.queue" in current_app.view_functions:
        return url_for("cases.queue")
    if current_user.has_role("coordinator") and "stats.index" in current_app.view_functions:
        return url_for("stats.index")
    if current_user.has_role("admin") and "admin.index" in current_app.view_functions:
        return url_for("admin.index")
    return url_for("public.index")


def _start_fresh_session() -> None:
    """Nothing planted in the session before sign-in survives it, except the language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def _client() -> str:
    return request.remote_addr or ""


def _too_many_attempts(form: Any) -> None:
    form.form_errors.append(
        _("För många misslyckade inloggningsförsök. Vänta en kvart och försök igen.")
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(landing_page())
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = authenticate(form.email.data or "", form.password.data or "", _client())
        db.session.commit()
        if result.throttled:
            _too_many_attempts(form)
            return render_template("accounts/login.html", form=form), 429
        if result.user is None:
            form.form_errors.append(_("Fel e-postadress eller lösenord."))
            return render_template("accounts/login.html", form=form), 200
        user = result.user
        _start_fresh_session()
        if result.needs_code:
            session[PENDING_SIGN_IN] = {
                "user": user.id,
                "epoch": user.session_epoch,
                "at": int(time.time()),
                "next": form.next.data or "",
            }
            return redirect(url_for("accounts.login_code"))
        login_user(user)
        flash(_("Du är inloggad som %(name)s.", name=user.name), "success")
        if totp.must_use_totp(user):
            # The enrolment page says why; nothing else opens until it is done.
            session[ENROLMENT_REQUIRED] = True
            return redirect(url_for("accounts.two_factor"))
        return redirect(safe_next(form.next.data, landing_page()))
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


def _pending_sign_in() -> tuple[User, str] | None:
    """The user half-way through signing in, and where they were going; None when the
    step has timed out, or the account changed (password, deactivation) meanwhile."""
    pending = session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None
    if time.time() - int(pending.get("at", 0)) > PENDING_SIGN_IN_SECONDS:
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.active or not user.totp_enabled:
        return None
    if user.session_epoch != pending.get("epoch"):
        return None
    return user, str(pending.get("next") or "")


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> Response | tuple[str, int]:
    """The second step of signing in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(landing_page())
    pending = _pending_sign_in()
    if pending is None:
        session.pop(PENDING_SIGN_IN, None)
        if request.method == "POST":
            flash(_("Inloggningen tog för lång tid. Logga in igen."), "error")
        return redirect(url_for("accounts.login"))
    user, next_url = pending
    form = SignInCodeForm()
    if form.validate_on_submit():
        check = totp.check_code(user, form.code.data or "", _client(), purpose="sign_in")
        if check.accepted:
            complete_sign_in(user, check.method)
        db.session.commit()
        if check.throttled:
            _too_many_attempts(form)
            return render_template("accounts/login_code.html", form=form), 429
        if not check.accepted:
            form.code.errors = [_("Koden stämmer inte, eller har redan använts. Försök igen.")]
            return render_template("accounts/login_code.html", form=form), 200
        _start_fresh_session()
        login_user(user)
        flash(_("Du är inloggad som %(name)s.", name=user.name), "success")
        if check.method == "recovery_code":
            left = totp.recovery_codes_left(user)
            flash(
                ngettext(
                    "Du loggade in med en reservkod. Du har %(num)d reservkod kvar.",
                    "Du loggade in med en reservkod. Du har %(num)d reservkoder kvar.",
                    left,
                ),
                "info",
            )
        return redirect(safe_next(next_url, landing_page()))
    status = 400 if form.errors else 200
    return render_template("accounts/login_code.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout() -> Response | str:
    if request.method == "GET":
        # Signing out changes state, so it takes a POST with a CSRF token.
        return render_template("accounts/logout.html")
    if not current_user.is_authenticated:
        session.pop(PENDING_SIGN_IN, None)
        return redirect(url_for("public.index"))
    audit.record("logout", obj=current_user._get_current_object())
    db.session.commit()
    logout_user()
    _start_fresh_session()
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("public.index"))


def _settings_form(user: User) -> AccountSettingsForm:
    form = AccountSettingsForm(obj=user)
    if not user.has_role("adviser"):
        del form.notify  # only advisers are told about new cases
    return form


def _settings_page(
    user: User,
    status: int = 200,
    form: AccountSettingsForm | None = None,
    token_form: PersonalTokenForm | None = None,
) -> tuple[str, int]:
    """The settings page; advisers also see their personal API tokens."""
    adviser = user.has_role("adviser")
    html = render_template(
        "accounts/settings.html",
        form=form or _settings_form(user),
        tokens=active_tokens(user) if adviser else None,
        token_form=(token_form or PersonalTokenForm(prefix="token")) if adviser else None,
        max_tokens=MAX_ACTIVE_TOKENS,
    )
    return html, status


@bp.route("/account", methods=["GET", "POST"])
def settings() -> Response | tuple[str, int]:
    """The signed-in user's own settings: language and new-case notifications."""
    user = current_user._get_current_object()
    form = _settings_form(user)
    if request.method == "POST":
        if not form.validate_on_submit():
            return _settings_page(user, 400, form=form)
        user.language = form.language.data
        if "notify" in form:
            user.notify = form.notify.data
        session["language"] = user.language
        audit.record("user.settings_changed", obj=user)
        db.session.commit()
        flash(_("Dina inställningar är sparade."), "success")
        return redirect(url_for("accounts.settings"))
    return _settings_page(user)


# --- Personal API tokens --------------------------------------------------------------------


@bp.post("/account/tokens")
@role_required("adviser")
def create_personal_token() -> Response | tuple[str, int]:
    """A new token, shown once on a page no browser or cache keeps."""
    user = current_user._get_current_object()
    form = PersonalTokenForm(prefix="token")
    if not form.validate_on_submit():
        return _settings_page(user, 400, token_form=form)
    try:
        created = create_token(user, form.name.data, int(form.days.data))
    except PersonalTokenError as error:
        form.name.errors = [str(error)]
        return _settings_page(user, 400, token_form=form)
    db.session.commit()
    return _no_store(
        render_template("accounts/token_created.html", token=created.token, secret=created.secret)
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@role_required("adviser")
def revoke_personal_token(token_id: int) -> Response:
    token = db.session.get(PersonalToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token, current_user._get_current_object())
    db.session.commit()
    flash(
        _("Nyckeln ”%(name)s” är återkallad och fungerar inte längre.", name=token.name), "success"
    )
    return redirect(url_for("accounts.settings") + "#tokens")


# --- The second factor ----------------------------------------------------------------------


def _enrolment_secret(user: User) -> str:
    """The secret offered for enrolment: the same one until it is confirmed, sealed in
    the session cookie so that the cookie alone does not reveal it."""
    sealed = session.get(PENDING_SECRET)
    if isinstance(sealed, str):
        try:
            return unseal(sealed, totp.enrolment_context(user))
        except SealBroken:
            pass
    secret = totp.new_secret()
    session[PENDING_SECRET] = seal(secret, totp.enrolment_context(user))
    return secret


def _no_store(html: str, status: int = 200) -> Response:
    """A page with secrets on it: never kept by the browser or any cache."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _recovery_codes_page(codes: list[str], *, enrolled: bool) -> Response:
    continue_url = landing_page() if enrolled else url_for("accounts.two_factor")
    return _no_store(
        render_template(
            "accounts/recovery_codes.html",
            codes=codes,
            enrolled=enrolled,
            continue_url=continue_url,
        )
    )


def _two_factor_page(user: User, status: int = 200, **forms: Any) -> Response:
    if user.totp_enabled:
        return _no_store(
            render_template(
                "accounts/two_factor.html",
                required=totp.must_use_totp(user),
                codes_left=totp.recovery_codes_left(user),
                disable_form=forms.get("disable_form") or DisableTotpForm(prefix="disable"),
                renew_form=forms.get("renew_form") or RenewRecoveryCodesForm(prefix="renew"),
            ),
            status,
        )
    secret = _enrolment_secret(user)
    uri = totp.provisioning_uri(secret, user)
    return _no_store(
        render_template(
            "accounts/two_factor_enrol.html",
            required=totp.must_use_totp(user),
            qr=totp.qr_svg(uri, _("QR-kod för att lägga till kontot i en autentiseringsapp")),
            secret=totp.grouped(secret),
            form=forms.get("enrol_form") or EnrolTotpForm(),
        ),
        status,
    )


def _code_refused(user: User, check: totp.CodeCheck, **forms: Any) -> Response:
    """A code that did not pass (its failed attempt is kept): 429 when throttled, else
    the message beside the code field of the one form in ``forms``."""
    db.session.commit()
    form = next(iter(forms.values()))
    if check.throttled:
        _too_many_attempts(form)
        return _two_factor_page(user, 429, **forms)
    form.code.errors = [_("Koden stämmer inte, eller har redan använts.")]
    return _two_factor_page(user, 400, **forms)


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor() -> Response:
    """Two-step verification: its state, or enrolment (a QR code, then a first code)."""
    user = current_user._get_current_object()
    if request.method == "GET" or user.totp_enabled:
        return _two_factor_page(user)
    form = EnrolTotpForm()
    if not form.validate_on_submit():
        return _two_factor_page(user, 400, enrol_form=form)
    try:
        codes = totp.confirm_enrolment(user, _enrolment_secret(user), form.code.data or "")
    except totp.TotpError:
        form.code.errors = [
            _("Koden stämmer inte. Kontrollera att telefonens klocka går rätt och försök igen.")
        ]
        return _two_factor_page(user, 400, enrol_form=form)
    session.pop(PENDING_SECRET, None)
    session.pop(ENROLMENT_REQUIRED, None)
    # Every other session of this account ends; this one goes on under the new epoch.
    user.session_epoch += 1
    db.session.commit()
    login_user(user)
    return _recovery_codes_page(codes, enrolled=True)


@bp.post("/account/two-factor/disable")
def disable_two_factor() -> Response:
    """Switch the second factor off: the password and a code, so that a session left
    open somewhere is not enough."""
    user = current_user._get_current_object()
    if not user.totp_enabled:
        return redirect(url_for("accounts.two_factor"))
    if totp.must_use_totp(user):
        flash(_("Din roll kräver tvåstegsverifiering, så den kan inte stängas av."), "error")
        return redirect(url_for("accounts.two_factor"))
    form = DisableTotpForm(prefix="disable")
    if not form.validate_on_submit():
        return _two_factor_page(user, 400, disable_form=form)
    client = _client()
    if is_throttled(user.email, client):
        _too_many_attempts(form)
        return _two_factor_page(user, 429, disable_form=form)
    if not verify_password(user.password_hash, form.password.data or ""):
        db.session.add(LoginAttempt(email=user.email, client=client, succeeded=False))
        audit.record("totp.disable_refused", obj=user, details={"reason": "password"})
        db.session.commit()
        form.password.errors = [_("Fel lösenord.")]
        return _two_factor_page(user, 400, disable_form=form)
    check = totp.check_code(user, form.code.data or "", client, purpose="disable")
    if not check.accepted:
        return _code_refused(user, check, disable_form=form)
    totp.disable(user)
    db.session.commit()
    flash(_("Tvåstegsverifieringen är avstängd."), "success")
    return redirect(url_for("accounts.two_factor"))


@bp.post("/account/two-factor/recovery-codes")
def renew_recovery_codes() -> Response:
    """Ten new recovery codes; the old ones stop working."""
    user = current_user._get_current_object()
    if not user.totp_enabled:
        return redirect(url_for("accounts.two_factor"))
    form = RenewRecoveryCodesForm(prefix="renew")
    if not form.validate_on_submit():
        return _two_factor_page(user, 400, renew_form=form)
    check = totp.check_code(user, form.code.data or "", _client(), purpose="renew_codes")
    if not check.accepted:
        return _code_refused(user, check, renew_form=form)
    codes = totp.renew_recovery_codes(user)
    db.session.commit()
    return _recovery_codes_page(codes, enrolled=False)
