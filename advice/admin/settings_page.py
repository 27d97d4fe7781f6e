"""The settings pages' shared way of saving a form of settings (``/admin/settings``,
``/admin/security``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from advice.admin.services import AdminError, update_settings
from advice.extensions import db


def settings_page(
    form: Any, values: dict[str, str] | None, endpoint: str, template: str
) -> Response | tuple[str, int]:
    """Save ``values`` (what a valid ``form`` says) and come back to ``endpoint``; or the
    form again, with its errors, the settings unchanged."""
    if values is not None:
        try:
            changed = update_settings(values, actor=current_user)
        except AdminError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _("Inställningarna är sparade.") if changed else _("Inget ändrades."),
                "success" if changed else "info",
            )
            return redirect(url_for(endpoint))
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form), status
