"""Administrative operations: what the admin pages and the CLI commands both call.

Every change is audited in the same transaction. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.routing import BuildError

from advice.accounts.models import ROLES, User, UserRole
from advice.accounts.services import AccountError, create_user, normalise_email, set_password
from advice.admin.models import TAXONOMY_KINDS, Invitation, TermLabel
from advice.audit import services as audit
from advice.clock import utcnow
from advice.extensions import db
from advice.mail.rendering import RenderedMail
from advice.mail.services import queue_mail
from advice.regions.models import Municipality, Office, RegionSetting
from advice.taxonomy.models import Channel, RequesterType, TaxonomyTerm, Topic
from advice.validators import parse_integer

INVITATION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 12
TERM_MODELS: dict[str, type[TaxonomyTerm]] = {
    "topics": Topic,
    "requester_types": RequesterType,
    "channels": Channel,
}


class AdminError(ValueError):
    """A change that cannot be made; the message says why, in the user's language."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- Users --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    user: User
    token: str
    url: str


def invitation_url(token: str) -> str:
    """The link that sets the password; absolute where one can be built (see case_url)."""
    try:
        return url_for("admin.accept_invitation", token=token, _external=True)
    except (BuildError, RuntimeError):
        pass
    path = f"/invitation/{token}"
    if has_request_context():
        return request.url_root.rstrip("/") + path
    server = current_app.config.get("SERVER_NAME")
    if server:
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "https"
        return f"{scheme}://{server}{path}"
    return path


def _offices_by_id(office_ids: list[int] | tuple[int, ...]) -> list[Office]:
    offices = list(db.session.scalars(select(Office).where(Office.id.in_(office_ids))))
    if len(offices) != len(set(office_ids)):
        raise AdminError(_("Okänt kontor."))
    return offices


def _check_roles(
    roles: list[str] | tuple[str, ...], actor: User | None, previous: frozenset[str] = frozenset()
) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AdminError(_("Okänd roll: %(roles)s", roles=", ".join(sorted(unknown))))
    # Only an admin hands out or takes away the admin role (the CLI acts as the system).
    if (
        actor is not None
        and not actor.has_role("admin")
        and (("admin" in roles) != ("admin" in previous))
    ):
        raise AdminError(_("Bara en administratör kan ge eller ta bort administratörsrollen."))


def invite_user(
    email: str,
    name: str,
    roles: list[str] | tuple[str, ...],
    office_ids: list[int] | tuple[int, ...],
    language: str = "sv",
    actor: User | None = None,
) -> Invited:
    """Create an account without a password and a one-time link that sets it."""
    if not name.strip():
        raise AdminError(_("Ange ett namn."))
    _check_roles(roles, actor)
    codes = [office.code for office in _offices_by_id(office_ids)]
    try:
        user = create_user(email, name, None, roles, codes, language)
    except AccountError as error:
        raise AdminError(str(error)) from error
    token = _new_invitation(user, actor)
    audit.record(
        "user.invited",
        obj=user,
        actor_id=actor.id if actor else None,
        details={"email": user.email, "roles": sorted(set(roles))},
    )
    url = invitation_url(token)
    _mail_invitation(user, url)
    return Invited(user=user, token=token, url=url)


def _new_invitation(user: User, actor: User | None) -> str:
    now = utcnow()
    # A new link replaces the ones sent before.
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
            created_by_id=actor.id if actor else None,
        )
    )
    db.session.flush()
    return token


def reinvite(user: User, actor: User | None = None) -> Invited:
    if not user.active:
        raise AdminError(_("Kontot är avstängt. Aktivera det först."))
    token = _new_invitation(user, actor)
    audit.record("user.reinvited", obj=user, actor_id=actor.id if actor else None)
    url = invitation_url(token)
    _mail_invitation(user, url)
    return Invited(user=user, token=token, url=url)


def _mail_invitation(user: User, url: str) -> None:
    environment = current_app.jinja_env
    context = {
        "language": user.language,
        "name": user.name,
        "url": url,
        "days": INVITATION_LIFETIME.days,
    }
    with force_locale(user.language):
        text_template = environment.get_template("admin/mail/invitation.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context)))
        subject = " ".join(subject.split())
        text = text_template.render(context)
        html = environment.get_template("admin/mail/invitation.html").render(
            {**context, "subject": subject}
        )
    plain = "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
    queue_mail(user.email, RenderedMail(subject, plain, html), kind="invitation")


def valid_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= utcnow()
        or not invitation.user.active
    ):
        return None
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """Set the password with a one-time link; the link cannot be used again."""
    invitation = valid_invitation(token)
    if invitation is None:
        raise AdminError(_("Länken gäller inte längre. Be om en ny inbjudan."))
    check_password(password)
    user = invitation.user
    set_password(user, password)
    invitation.used_at = utcnow()
    audit.record("user.invitation_accepted", obj=user, actor_id=user.id)
    return user


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(_("Lösenordet behöver minst %(count)d tecken.", count=MIN_PASSWORD_LENGTH))


def update_user(
    user: User,
    *,
    name: str,
    roles: list[str] | tuple[str, ...],
    office_ids: list[int] | tuple[int, ...],
    language: str,
    actor: User | None = None,
) -> None:
    if not name.strip():
        raise AdminError(_("Ange ett namn."))
    _check_roles(roles, actor, user.roles)
    if actor is not None and actor.id == user.id and not ({"coordinator", "admin"} & set(roles)):
        raise AdminError(_("Du kan inte ta bort din egen behörighet att administrera."))
    offices = _offices_by_id(office_ids)
    before = {
        "name": user.name,
        "roles": sorted(user.roles),
        "offices": sorted(office.code for office in user.offices),
        "language": user.language,
    }
    user.name = name.strip()
    user.language = language
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - user.roles)
    ]
    user.offices = sorted(offices, key=lambda office: office.name)
    after = {
        "name": user.name,
        "roles": sorted(wanted),
        "offices": sorted(office.code for office in offices),
        "language": language,
    }
    changed = {
        key: {"from": before[key], "to": after[key]} for key in before if before[key] != after[key]
    }
    db.session.flush()
    if changed:
        audit.record(
            "user.updated", obj=user, actor_id=actor.id if actor else None, details=changed
        )


def deactivate_user(user: User, actor: User | None = None) -> None:
    """The account can no longer sign in; its sessions end at once."""
    if actor is not None and actor.id == user.id:
        raise AdminError(_("Du kan inte stänga av ditt eget konto."))
    if not user.active:
        return
    user.active = False
    user.session_epoch += 1
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    audit.record(
        "user.deactivated",
        obj=user,
        actor_id=actor.id if actor else None,
        details={"email": user.email},
    )


def reactivate_user(user: User, actor: User | None = None) -> None:
    if user.active:
        return
    user.active = True
    audit.record(
        "user.reactivated",
        obj=user,
        actor_id=actor.id if actor else None,
        details={"email": user.email},
    )


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise AdminError(_("Det finns ingen användare med e-postadressen %(email)s.", email=email))
    return user


def pending_invitations(user_ids: list[int]) -> set[int]:
    """Users among these with an unused, unexpired invitation."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(Invitation.user_id).where(
                Invitation.user_id.in_(user_ids),
                Invitation.used_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        )
    )


# --- Offices and the municipality mapping -------------------------------------------------

OFFICE_FIELDS = ("name", "email", "phone", "address", "website")


def create_office(code: str, actor: User | None = None, **fields: Any) -> Office:
    code = code.strip().lower()
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        raise AdminError(_("Koden får bara innehålla bokstäver, siffror och bindestreck."))
    if db.session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise AdminError(_("Det finns redan ett kontor med koden %(code)s.", code=code))
    if not (fields.get("name") or "").strip():
        raise AdminError(_("Ange kontorets namn."))
    office = Office(code=code, **{key: (fields.get(key) or None) for key in OFFICE_FIELDS})
    office.name = fields["name"].strip()
    db.session.add(office)
    db.session.flush()
    audit.record(
        "office.created",
        obj=office,
        actor_id=actor.id if actor else None,
        details={"code": code, "name": office.name},
    )
    return office


def update_office(office: Office, actor: User | None = None, **fields: Any) -> None:
    if "name" in fields and not (fields["name"] or "").strip():
        raise AdminError(_("Ange kontorets namn."))
    changed = {}
    for key in OFFICE_FIELDS:
        if key not in fields:
            continue
        value = (fields[key] or "").strip() or None
        if getattr(office, key) != value:
            changed[key] = {"from": getattr(office, key), "to": value}
            setattr(office, key, value)
    if "active" in fields and bool(fields["active"]) != office.active:
        if not fields["active"] and office.municipalities:
            raise AdminError(_("Flytta kontorets kommuner till ett annat kontor innan det stängs."))
        changed["active"] = {"from": office.active, "to": bool(fields["active"])}
        office.active = bool(fields["active"])
    db.session.flush()
    if changed:
        audit.record(
            "office.updated", obj=office, actor_id=actor.id if actor else None, details=changed
        )


def map_municipality(municipality: Municipality, office: Office, actor: User | None = None) -> bool:
    """Route the municipality's new cases to ``office``. Existing cases stay where they are."""
    if municipality.office_id == office.id:
        return False
    if not office.active:
        raise AdminError(_("Kontoret %(name)s är stängt.", name=office.name))
    previous = municipality.office_id
    municipality.office_id = office.id
    db.session.flush()
    audit.record(
        "municipality.office_changed",
        obj=municipality,
        actor_id=actor.id if actor else None,
        details={"municipality": municipality.code, "from": previous, "to": office.id},
    )
    return True


def set_municipality_retention(
    municipality: Municipality, months: int | None, actor: User | None = None
) -> bool:
    """Months to keep personal data of closed cases; None follows the region's setting."""
    if months is not None and not 1 <= months <= 1200:
        raise AdminError(_("Ange mellan 1 och 1200 månader."))
    if municipality.retention_months == months:
        return False
    previous = municipality.retention_months
    municipality.retention_months = months
    db.session.flush()
    audit.record(
        "municipality.retention_changed",
        obj=municipality,
        actor_id=actor.id if actor else None,
        details={"municipality": municipality.code, "from": previous, "to": months},
    )
    return True


def office_by_code(code: str) -> Office:
    office = db.session.scalar(select(Office).where(Office.code == code.strip().lower()))
    if office is None:
        raise AdminError(_("Okänt kontor: %(offices)s", offices=code))
    return office


def municipality_by_code(code: str) -> Municipality:
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        raise AdminError(_("Okänd kommun: %(code)s", code=code))
    return municipality


# --- Taxonomies ---------------------------------------------------------------------------


def term_model(kind: str) -> type[TaxonomyTerm]:
    if kind not in TAXONOMY_KINDS:
        raise AdminError(_("Okänd kategorityp."))
    return TERM_MODELS[kind]


def _labels(label_sv: str, label_en: str) -> tuple[str, str]:
    label_sv, label_en = label_sv.strip(), label_en.strip()
    if not label_sv or not label_en:
        raise AdminError(_("Ange namnet på svenska och engelska."))
    if len(label_sv) > 150 or len(label_en) > 150:
        raise AdminError(_("Högst 150 tecken."))
    return label_sv, label_en


def add_term(
    kind: str, code: str, label_sv: str, label_en: str, actor: User | None = None
) -> TaxonomyTerm:
    model = term_model(kind)
    code = code.strip().lower()
    if not code or not code.replace("_", "").isalnum() or len(code) > 40:
        raise AdminError(_("Koden får bara innehålla små bokstäver, siffror och understreck."))
    if db.session.scalar(select(model.id).where(model.code == code)) is not None:
        raise AdminError(_("Koden %(code)s finns redan.", code=code))
    label_sv, label_en = _labels(label_sv, label_en)
    last = db.session.scalar(select(model.sort_order).order_by(model.sort_order.desc()).limit(1))
    term = model(
        code=code, label_sv=label_sv, label_en=label_en, sort_order=(last or 0) + 10, active=True
    )
    db.session.add(term)
    db.session.flush()
    audit.record(
        "taxonomy.term_added",
        obj=term,
        actor_id=actor.id if actor else None,
        details={"kind": kind, "code": code, "label_sv": label_sv},
    )
    return term


def rename_term(
    kind: str, term: TaxonomyTerm, label_sv: str, label_en: str, actor: User | None = None
) -> bool:
    """New labels from now on; the old ones are kept for what came before."""
    label_sv, label_en = _labels(label_sv, label_en)
    if (term.label_sv, term.label_en) == (label_sv, label_en):
        return False
    db.session.add(
        TermLabel(
            kind=kind,
            term_id=term.id,
            label_sv=term.label_sv,
            label_en=term.label_en,
            valid_until=utcnow(),
            changed_by_id=actor.id if actor else None,
        )
    )
    details = {
        "kind": kind,
        "code": term.code,
        "from": {"sv": term.label_sv, "en": term.label_en},
        "to": {"sv": label_sv, "en": label_en},
    }
    term.label_sv, term.label_en = label_sv, label_en
    db.session.flush()
    audit.record(
        "taxonomy.term_renamed", obj=term, actor_id=actor.id if actor else None, details=details
    )
    return True


def set_term_active(kind: str, term: TaxonomyTerm, active: bool, actor: User | None = None) -> bool:
    """A retired term is no longer offered; cases and statistics keep it."""
    if term.active == active:
        return False
    term.active = active
    db.session.flush()
    audit.record(
        "taxonomy.term_reactivated" if active else "taxonomy.term_retired",
        obj=term,
        actor_id=actor.id if actor else None,
        details={"kind": kind, "code": term.code},
    )
    return True


def term_by_code(kind: str, code: str) -> TaxonomyTerm:
    model = term_model(kind)
    term = db.session.scalar(select(model).where(model.code == code))
    if term is None:
        raise AdminError(_("Okänd kod: %(code)s", code=code))
    return term


def label_history(kind: str, term_ids: list[int]) -> dict[int, list[TermLabel]]:
    history: dict[int, list[TermLabel]] = {}
    if not term_ids:
        return history
    for row in db.session.scalars(
        select(TermLabel)
        .where(TermLabel.kind == kind, TermLabel.term_id.in_(term_ids))
        .order_by(TermLabel.valid_until.desc())
    ):
        history.setdefault(row.term_id, []).append(row)
    return history


# --- Region settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class SettingRule:
    default: str
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 100
    # A set of words from this list, stored space-separated in the list's order.
    words: tuple[str, ...] | None = None

    @property
    def numeric(self) -> bool:
        return self.minimum is not None


SETTING_RULES: dict[str, SettingRule] = {
    "sla_working_days": SettingRule("2", 1, 60),
    "retention_months": SettingRule("36", 1, 1200),
    # 0 (or 1) shows every count; 5 blanks counts of 1 to 4 in exports.
    "stats_min_cell_size": SettingRule("0", 0, 1000),
    "accessibility_statement": SettingRule("", max_length=20_000),
    # How long the audit log keeps an event; `retention` removes older ones.
    "audit_retention_months": SettingRule("24", 1, 1200),
    # Roles whose members must sign in with a second factor (advice.accounts.totp).
    "totp_required_roles": SettingRule("", words=ROLES),
}


def current_settings() -> dict[str, str]:
    stored = dict(
        db.session.execute(
            select(RegionSetting.key, RegionSetting.value).where(
                RegionSetting.key.in_(SETTING_RULES)
            )
        ).all()
    )
    return {key: stored.get(key, rule.default) for key, rule in SETTING_RULES.items()}


def clean_setting(key: str, value: str) -> str:
    rule = SETTING_RULES.get(key)
    if rule is None:
        raise AdminError(_("Okänd inställning: %(key)s", key=key))
    value = value.replace("\r\n", "\n").strip()
    if rule.words is not None:
        chosen = set(value.replace(",", " ").split())
        unknown = chosen - set(rule.words)
        if unknown:
            raise AdminError(
                _(
                    "%(key)s får bara innehålla: %(words)s.",
                    key=key,
                    words=", ".join(rule.words),
                )
            )
        return " ".join(word for word in rule.words if word in chosen)
    if rule.numeric:
        number = parse_integer(value)
        if number is None or not rule.minimum <= number <= (rule.maximum or 0):
            raise AdminError(
                _(
                    "%(key)s ska vara ett heltal mellan %(min)d och %(max)d.",
                    key=key,
                    min=rule.minimum,
                    max=rule.maximum,
                )
            )
        return str(number)
    if len(value) > rule.max_length:
        raise AdminError(_("Högst %(max)d tecken.", max=rule.max_length))
    return value


def update_settings(values: dict[str, str], actor: User | None = None) -> list[str]:
    """Store the settings that changed; returns their keys."""
    cleaned = {key: clean_setting(key, value) for key, value in values.items()}
    current = current_settings()
    changed = [key for key, value in cleaned.items() if current.get(key) != value]
    if not changed:
        return []
    stored = {
        setting.key: setting
        for setting in db.session.scalars(
            select(RegionSetting).where(RegionSetting.key.in_(changed))
        )
    }
    details = {}
    for key in changed:
        if key in stored:
            stored[key].value = cleaned[key]
        else:
            db.session.add(RegionSetting(key=key, value=cleaned[key]))
        if key == "accessibility_statement":
            details[key] = {"from_chars": len(current[key]), "to_chars": len(cleaned[key])}
        else:
            details[key] = {"from": current[key], "to": cleaned[key]}
    db.session.flush()
    audit.record("settings.changed", actor_id=actor.id if actor else None, details=details)
    return changed


def accessibility_statement() -> str:
    """The accessibility statement's text, for the public page that shows it."""
    return current_settings()["accessibility_statement"]
