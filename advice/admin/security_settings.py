"""The admin's security settings (who must use a second factor, how long the audit log
keeps events) and the reset of a user's second factor. Thin over the services; the
command line has the settings too (``flask --app advice set-setting``)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from advice.accounts import totp
from advice.accounts.models import User
from advice.admin import bp
from advice.admin.forms import SecuritySettingsForm
from advice.admin.services import current_settings
from advice.admin.settings_page import settings_page
from advice.extensions import db
from advice.security import role_required

admins = role_required("admin")


@bp.route("/admin/security", methods=["GET", "POST"])
@admins
def security() -> Response | tuple[str, int]:
    current = current_settings()
    form = SecuritySettingsForm(
        data=None
        if request.method == "POST"
        else {
            "totp_required_roles": current["totp_required_roles"].split(),
            "audit_retention_months": int(current["audit_retention_months"]),
        }
    )
    values = None
    if form.validate_on_submit():
        values = {
            "totp_required_roles": " ".join(form.totp_required_roles.data or []),
            "audit_retention_months": str(form.audit_retention_months.data),
        }
    return settings_page(form, values, "admin.security", "admin/security.html")


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
@admins
def reset_two_factor(user_id: int) -> Response:
    """For a user who lost their phone and their recovery codes; they enrol again."""
    account = db.session.get(User, user_id) or abort(404)
    if account.id == current_user.id:
        flash(_("Din egen tvåstegsverifiering ändrar du under Mina inställningar."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    totp.reset(account, current_user._get_current_object())
    db.session.commit()
    flash(
        _(
            "Tvåstegsverifieringen för %(name)s är återställd. Personen är utloggad och "
            "loggar in med enbart lösenordet nästa gång.",
            name=account.name,
        ),
        "success",
    )
    return redirect(url_for("admin.user", user_id=account.id))
