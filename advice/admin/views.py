"""Administration pages for the coordinator and the admin; thin over ``services``."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from advice.accounts.models import User
from advice.admin import bp, integrations, security_settings  # noqa: F401  (their routes)
from advice.admin.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    InviteForm,
    NewOfficeForm,
    NewTermForm,
    OfficeForm,
    SetPasswordForm,
    SettingsForm,
    TermForm,
    UserForm,
)
from advice.admin.models import TAXONOMY_KINDS
from advice.admin.services import (
    OFFICE_FIELDS,
    AdminError,
    Invited,
    accept_invitation,
    add_term,
    create_office,
    current_settings,
    deactivate_user,
    invite_user,
    label_history,
    map_municipality,
    pending_invitations,
    reactivate_user,
    reinvite,
    rename_term,
    set_municipality_retention,
    set_term_active,
    term_model,
    update_office,
    update_user,
    valid_invitation,
)
from advice.admin.settings_page import settings_page
from advice.audit.models import AuditEvent
from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.security import public, role_required
from advice.validators import parse_integer

admin_only = role_required("coordinator", "admin")

# Administrative audit events, for the overview's list of recent changes.
ADMIN_ACTIONS = (
    "user.invited",
    "user.reinvited",
    "user.updated",
    "user.deactivated",
    "user.reactivated",
    "totp.reset",
    "office.created",
    "office.updated",
    "municipality.office_changed",
    "municipality.retention_changed",
    "taxonomy.term_added",
    "taxonomy.term_renamed",
    "taxonomy.term_retired",
    "taxonomy.term_reactivated",
    "settings.changed",
    "stats.rebuilt",
)


class InvitationTokenFilter(logging.Filter):
    """Keeps one-time invitation tokens out of the request log lines."""

    pattern = re.compile(r"(/invitation/)[^/\s?\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.pattern.sub(r"\1[token]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = self.pattern.sub(r"\1[token]", record.msg)
        return True


@bp.record_once
def _hide_invitation_tokens(_state: Any) -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, InvitationTokenFilter) for existing in logger.filters):
            logger.addFilter(InvitationTokenFilter())


def _office_choices(include_inactive: bool = False) -> list[tuple[int, str]]:
    query = select(Office.id, Office.name).order_by(Office.name)
    if not include_inactive:
        query = query.where(Office.active.is_(True))
    return [(office_id, name) for office_id, name in db.session.execute(query)]


# --- Overview -----------------------------------------------------------------------------


@bp.get("/admin")
@admin_only
def index() -> str:
    events = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action.in_(ADMIN_ACTIONS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template("admin/index.html", events=events)


# --- Users --------------------------------------------------------------------------------


@bp.get("/admin/users")
@admin_only
def users() -> str:
    everyone = list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))
    return render_template(
        "admin/users.html",
        users=everyone,
        pending=pending_invitations([user.id for user in everyone]),
        role_labels=ROLE_LABELS,
    )


def _user_choices(form: UserForm) -> None:
    form.offices.choices = _office_choices()


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@admin_only
def invite() -> Response | str | tuple[str, int]:
    form = InviteForm()
    _user_choices(form)
    if form.validate_on_submit():
        try:
            invited = invite_user(
                form.email.data or "",
                form.name.data or "",
                form.roles.data or [],
                form.offices.data or [],
                form.language.data or "sv",
                actor=current_user,
            )
        except AdminError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            return _invitation_sent(invited)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form), status


def _invitation_sent(invited: Invited) -> str:
    return render_template("admin/invitation_sent.html", invited=invited)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user(user_id: int) -> Response | str | tuple[str, int]:
    account = db.session.get(User, user_id) or abort(404)
    form = UserForm(
        data=None
        if request.method == "POST"
        else {
            "name": account.name,
            "roles": sorted(account.roles),
            "offices": [office.id for office in account.offices],
            "language": account.language,
        },
    )
    _user_choices(form)
    if form.validate_on_submit():
        try:
            update_user(
                account,
                name=form.name.data or "",
                roles=form.roles.data or [],
                office_ids=form.offices.data or [],
                language=form.language.data or "sv",
                actor=current_user,
            )
        except AdminError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Ändringarna för %(name)s är sparade.", name=account.name), "success")
            return redirect(url_for("admin.user", user_id=account.id))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "admin/user.html",
            account=account,
            form=form,
            pending=account.id in pending_invitations([account.id]),
        ),
        status,
    )


@bp.post("/admin/users/<int:user_id>/deactivate")
@admin_only
def deactivate(user_id: int) -> Response:
    account = db.session.get(User, user_id) or abort(404)
    try:
        deactivate_user(account, actor=current_user)
    except AdminError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(name)s kan inte längre logga in.", name=account.name), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/admin/users/<int:user_id>/reactivate")
@admin_only
def reactivate(user_id: int) -> Response:
    account = db.session.get(User, user_id) or abort(404)
    reactivate_user(account, actor=current_user)
    db.session.commit()
    flash(_("%(name)s kan logga in igen.", name=account.name), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/admin/users/<int:user_id>/invitation")
@admin_only
def send_invitation(user_id: int) -> Response | str:
    account = db.session.get(User, user_id) or abort(404)
    try:
        invited = reinvite(account, actor=current_user)
    except AdminError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    db.session.commit()
    return _invitation_sent(invited)


@bp.route("/invitation/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
@public
def accept_invitation_page(token: str) -> Response | str | tuple[str, int]:
    """The one-time link: the invitee chooses a password, then signs in as usual."""
    invitation = valid_invitation(token)
    if invitation is None:
        return render_template("admin/invitation_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accept_invitation(token, form.password.data or "")
        except AdminError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Ditt lösenord är sparat. Logga in med din e-postadress."), "success")
            return redirect(url_for("accounts.login"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template("admin/accept_invitation.html", form=form, account=invitation.user),
        status,
    )


# --- Offices and the municipality mapping -------------------------------------------------


@bp.route("/admin/offices", methods=["GET", "POST"])
@admin_only
def offices() -> Response | str | tuple[str, int]:
    municipalities = list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
    office_list = list(db.session.scalars(select(Office).order_by(Office.name)))
    errors: dict[int, str] = {}
    if request.method == "POST":
        changes = 0
        by_id = {office.id: office for office in office_list}
        for municipality in municipalities:
            office_value = request.form.get(f"office-{municipality.id}", "")
            retention_value = request.form.get(f"retention-{municipality.id}", "").strip()
            months = parse_integer(retention_value)
            try:
                office = by_id.get(parse_integer(office_value) or 0)
                if office is None:
                    raise AdminError(_("Välj ett kontor."))
                if retention_value and months is None:
                    raise AdminError(_("Ange ett antal månader eller lämna tomt."))
                changes += map_municipality(municipality, office, actor=current_user)
                changes += set_municipality_retention(
                    municipality,
                    months,
                    actor=current_user,
                )
            except AdminError as error:
                errors[municipality.id] = str(error)
        if not errors:
            db.session.commit()
            if changes:
                flash(
                    _(
                        "Kommunernas kontor och gallringstider är sparade. Ärenden som redan "
                        "finns ligger kvar där de är."
                    ),
                    "success",
                )
            else:
                flash(_("Inget ändrades."), "info")
            return redirect(url_for("admin.offices"))
        db.session.rollback()
        municipalities = list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
        office_list = list(db.session.scalars(select(Office).order_by(Office.name)))
    return (
        render_template(
            "admin/offices.html",
            region_retention=current_settings()["retention_months"],
            offices=office_list,
            municipalities=municipalities,
            errors=errors,
            form_values=request.form if errors else None,
        ),
        400 if errors else 200,
    )


@bp.route("/admin/offices/new", methods=["GET", "POST"])
@admin_only
def new_office() -> Response | str | tuple[str, int]:
    form = NewOfficeForm()
    if form.validate_on_submit():
        try:
            office = create_office(
                form.code.data or "",
                actor=current_user,
                **{key: getattr(form, key).data for key in OFFICE_FIELDS},
            )
        except AdminError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Kontoret %(name)s är skapat.", name=office.name), "success")
            return redirect(url_for("admin.offices"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/office.html", form=form, office=None), status


@bp.route("/admin/offices/<int:office_id>", methods=["GET", "POST"])
@admin_only
def office(office_id: int) -> Response | str | tuple[str, int]:
    record = db.session.get(Office, office_id) or abort(404)
    form = OfficeForm(obj=record)
    if form.validate_on_submit():
        try:
            update_office(
                record,
                actor=current_user,
                active=form.active.data,
                **{key: getattr(form, key).data for key in OFFICE_FIELDS},
            )
        except AdminError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Kontoret %(name)s är sparat.", name=record.name), "success")
            return redirect(url_for("admin.offices"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/office.html", form=form, office=record), status


# --- Taxonomies ---------------------------------------------------------------------------


def _kind_or_404(kind: str) -> str:
    if kind not in TAXONOMY_KINDS:
        abort(404)
    return kind


@bp.get("/admin/taxonomies")
@admin_only
def taxonomies() -> str:
    kinds = []
    for kind in TAXONOMY_KINDS:
        model = term_model(kind)
        terms = list(db.session.scalars(select(model).order_by(model.sort_order, model.id)))
        kinds.append(
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "terms": terms,
                "history": label_history(kind, [term.id for term in terms]),
            }
        )
    return render_template("admin/taxonomies.html", kinds=kinds)


@bp.route("/admin/taxonomies/<kind>/new", methods=["GET", "POST"])
@admin_only
def new_term(kind: str) -> Response | str | tuple[str, int]:
    _kind_or_404(kind)
    form = NewTermForm()
    if form.validate_on_submit():
        try:
            term = add_term(
                kind,
                form.code.data or "",
                form.label_sv.data or "",
                form.label_en.data or "",
                actor=current_user,
            )
        except AdminError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(label)s är tillagd.", label=term.label_sv), "success")
            return redirect(url_for("admin.taxonomies") + f"#{kind}")
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/term.html", form=form, kind=kind, kind_label=KIND_LABELS[kind], term=None
    ), status


@bp.route("/admin/taxonomies/<kind>/<int:term_id>", methods=["GET", "POST"])
@admin_only
def term(kind: str, term_id: int) -> Response | str | tuple[str, int]:
    model = term_model(_kind_or_404(kind))
    record = db.session.get(model, term_id) or abort(404)
    form = TermForm(obj=record)
    if form.validate_on_submit():
        try:
            renamed = rename_term(
                kind, record, form.label_sv.data or "", form.label_en.data or "", actor=current_user
            )
        except AdminError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _(
                    "Det nya namnet gäller från nu; statistik för tidigare perioder behåller "
                    "det gamla."
                )
                if renamed
                else _("Inget ändrades."),
                "success" if renamed else "info",
            )
            return redirect(url_for("admin.taxonomies") + f"#{kind}")
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "admin/term.html",
            form=form,
            kind=kind,
            kind_label=KIND_LABELS[kind],
            term=record,
            history=label_history(kind, [record.id]).get(record.id, []),
        ),
        status,
    )


@bp.post("/admin/taxonomies/<kind>/<int:term_id>/active")
@admin_only
def term_active(kind: str, term_id: int) -> Response:
    model = term_model(_kind_or_404(kind))
    record = db.session.get(model, term_id) or abort(404)
    active = request.form.get("active") == "1"
    if set_term_active(kind, record, active, actor=current_user):
        db.session.commit()
        flash(
            _("%(label)s används igen.", label=record.label_sv)
            if active
            else _(
                "%(label)s erbjuds inte längre; ärenden och statistik behåller den.",
                label=record.label_sv,
            ),
            "success",
        )
    return redirect(url_for("admin.taxonomies") + f"#{kind}")


# --- Settings -----------------------------------------------------------------------------


@bp.route("/admin/settings", methods=["GET", "POST"])
@admin_only
def settings() -> Response | str | tuple[str, int]:
    current = current_settings()
    form = SettingsForm(
        data=None
        if request.method == "POST"
        else {
            "sla_working_days": int(current["sla_working_days"]),
            "retention_months": int(current["retention_months"]),
            "stats_min_cell_size": int(current["stats_min_cell_size"]),
            "accessibility_statement": current["accessibility_statement"],
        }
    )
    values = None
    if form.validate_on_submit():
        values = {
            "sla_working_days": str(form.sla_working_days.data),
            "retention_months": str(form.retention_months.data),
            "stats_min_cell_size": str(form.stats_min_cell_size.data),
            "accessibility_statement": form.accessibility_statement.data or "",
        }
    return settings_page(form, values, "admin.settings", "admin/settings.html")
