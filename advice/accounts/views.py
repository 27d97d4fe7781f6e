from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from advice.accounts import bp
from advice.accounts.forms import AccountSettingsForm, LoginForm
from advice.accounts.services import authenticate
from advice.audit import services as audit
from advice.extensions import db
from advice.i18n import safe_next
from advice.security import public


def landing_page() -> str:
    """Where a signed-in user starts: the queue for advisers, else the start page."""
    if current_user.has_role("adviser") and "cases.queue" in current_app.view_functions:
        return url_for("cases.queue")
    if current_user.has_role("coordinator") and "stats.index" in current_app.view_functions:
        return url_for("stats.index")
    if current_user.has_role("admin") and "admin.index" in current_app.view_functions:
        return url_for("admin.index")
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(landing_page())
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = authenticate(
            form.email.data or "", form.password.data or "", request.remote_addr or ""
        )
        db.session.commit()
        if result.throttled:
            form.form_errors.append(
                _("För många misslyckade inloggningsförsök. Vänta en kvart och försök igen.")
            )
            return render_template("accounts/login.html", form=form), 429
        if result.user is None:
            form.form_errors.append(_("Fel e-postadress eller lösenord."))
            return render_template("accounts/login.html", form=form), 200
        language = session.get("language")
        # A fresh session at sign-in: nothing planted before it survives.
        session.clear()
        if language:
            session["language"] = language
        login_user(result.user)
        flash(_("Du är inloggad som %(name)s.", name=result.user.name), "success")
        return redirect(safe_next(form.next.data, landing_page()))
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout() -> Response | str:
    if request.method == "GET":
        # Signing out changes state, so it takes a POST with a CSRF token.
        return render_template("accounts/logout.html")
    if not current_user.is_authenticated:
        return redirect(url_for("public.index"))
    audit.record("logout", obj=current_user._get_current_object())
    db.session.commit()
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("public.index"))


@bp.route("/account", methods=["GET", "POST"])
def settings() -> Response | tuple[str, int]:
    """The signed-in user's own settings: language and new-case notifications."""
    user = current_user._get_current_object()
    form = AccountSettingsForm(obj=user)
    if not user.has_role("adviser"):
        del form.notify  # only advisers are told about new cases
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("accounts/settings.html", form=form), 400
        user.language = form.language.data
        if "notify" in form:
            user.notify = form.notify.data
        session["language"] = user.language
        audit.record("user.settings_changed", obj=user)
        db.session.commit()
        flash(_("Dina inställningar är sparade."), "success")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form), 200
