"""The data-subject export for staff: find a contact by email, download JSON or PDF.

The lookup is a POST, so that the email address stays out of URLs and access logs. Who
may export what is decided in ``advice.privacy.export`` (the module's docstring).
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from advice.audit import services as audit
from advice.cases.models import Contact
from advice.extensions import db
from advice.privacy import bp
from advice.privacy.export import (
    ExportScope,
    export_scope,
    filename,
    find_contact,
    subject_data,
    to_json,
    to_pdf,
)
from advice.privacy.forms import ContactLookupForm
from advice.security import role_required

exporters = role_required("adviser", "admin")


@bp.route("/privacy/export", methods=["GET", "POST"])
@exporters
def export_search() -> tuple[str, int]:
    form = ContactLookupForm()
    scope: ExportScope | None = None
    if form.validate_on_submit():
        contact = find_contact(form.email.data or "")
        scope = export_scope(current_user, contact) if contact is not None else None
        audit.record(
            "contact.looked_up",
            obj=scope.contact if scope else None,
            details={"found": scope is not None},
        )
        if scope is None:
            form.email.errors = [
                _("Det finns ingen kontakt med den e-postadressen i ärenden som du får se.")
            ]
        page = render_template("privacy/export.html", form=form, scope=scope)
        db.session.commit()
        return page, 200
    status = 400 if form.errors else 200
    return render_template("privacy/export.html", form=form, scope=None), status


def _scope_or_404(contact_id: int) -> ExportScope:
    """The export this user may make of the contact; a contact they may not export
    does not exist for them."""
    contact = db.session.get(Contact, contact_id)
    scope = export_scope(current_user, contact) if contact is not None else None
    if scope is None:
        abort(404)
    return scope


def _download(scope: ExportScope, data: bytes, mimetype: str, extension: str) -> Response:
    audit.record(
        "contact.exported",
        obj=scope.contact,
        details={
            "format": extension,
            "scope": "region" if scope.whole_region else "offices",
            "cases": [case.reference for case in scope.cases],
        },
    )
    db.session.commit()
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{filename(scope.contact, extension)}"'
    )
    # Personal data: kept by no cache, not even the browser's.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/privacy/contacts/<int:contact_id>/export.json")
@exporters
def export_json(contact_id: int) -> Response:
    scope = _scope_or_404(contact_id)
    data = subject_data(scope, current_user, scope.contact.language)
    return _download(scope, to_json(data), "application/json", "json")


@bp.get("/privacy/contacts/<int:contact_id>/export.pdf")
@exporters
def export_pdf(contact_id: int) -> Response:
    scope = _scope_or_404(contact_id)
    language = scope.contact.language
    data = subject_data(scope, current_user, language)
    return _download(scope, to_pdf(data, language), "application/pdf", "pdf")
