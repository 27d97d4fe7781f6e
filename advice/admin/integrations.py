"""The admin's integration keys: create (shown once), list, revoke. Thin over
``advice.api.keys``; the command line has the same (``flask --app advice api-key``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from advice.admin import bp
from advice.api.forms import SCOPE_LABELS, IntegrationKeyForm
from advice.api.keys import create_key, revoke_key
from advice.api.models import IntegrationKey
from advice.extensions import db
from advice.security import role_required

admins = role_required("admin")


def _keys() -> list[IntegrationKey]:
    return list(
        db.session.scalars(
            select(IntegrationKey).order_by(
                IntegrationKey.revoked_at.is_not(None), IntegrationKey.created_at.desc()
            )
        )
    )


@bp.route("/admin/integrations", methods=["GET", "POST"])
@admins
def integrations() -> Response | str | tuple[str, int]:
    form = IntegrationKeyForm()
    if form.validate_on_submit():
        created = create_key(form.name.data or "", form.scopes.data or [], current_user)
        db.session.commit()
        html = render_template(
            "api/key_created.html", key=created.key, secret=created.secret, scopes=SCOPE_LABELS
        )
        response = Response(html, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"  # the key must not linger in a cache
        return response
    status = 400 if request.method == "POST" else 200
    return (
        render_template("api/keys.html", form=form, keys=_keys(), scopes=SCOPE_LABELS),
        status,
    )


@bp.post("/admin/integrations/<int:key_id>/revoke")
@admins
def revoke_integration(key_id: int) -> Response:
    key = db.session.get(IntegrationKey, key_id)
    if key is None:
        abort(404)
    revoke_key(key, current_user)
    db.session.commit()
    flash(_("Nyckeln %(name)s är återkallad och fungerar inte längre.", name=key.name), "success")
    return redirect(url_for("admin.integrations"))
