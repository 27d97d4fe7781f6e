"""Account operations shared by the web, the CLI and later the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from advice.accounts.models import BY_NAME, ROLES, LoginAttempt, User, UserRole, user_offices
from advice.accounts.passwords import hash_password, verify_password
from advice.audit import services as audit
from advice.clock import utcnow
from advice.extensions import db
from advice.regions.models import Office


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    throttled: bool = False
    # The password was right and the user has a second factor: a code comes next.
    needs_code: bool = False


def login_failure_window() -> timedelta:
    """How far back failed sign-ins count towards throttling (and are kept)."""
    return timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def is_throttled(email: str, client: str) -> bool:
    """Too many recent failures for this account or from this client."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = utcnow() - login_failure_window()
    failures = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    )
    by_account = db.session.scalar(failures.where(LoginAttempt.email == email)) or 0
    by_client = db.session.scalar(failures.where(LoginAttempt.client == client)) or 0
    return by_account >= limit or by_client >= limit


def authenticate(email: str, password: str, client: str) -> SignInResult:
    """Check credentials with throttling; every attempt is recorded and audited."""
    email = normalise_email(email)
    if is_throttled(email, client):
        audit.record("login.throttled", actor_label="anonymous", details={"email": email})
        return SignInResult(user=None, throttled=True)
    user = db.session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    db.session.add(LoginAttempt(email=email, client=client, succeeded=ok))
    if ok and user is not None:
        if user.totp_enabled:
            audit.record("login.password_accepted", obj=user, actor_id=user.id)
            return SignInResult(user=user, needs_code=True)
        complete_sign_in(user)
        return SignInResult(user=user)
    audit.record("login.failed", actor_label="anonymous", details={"email": email})
    return SignInResult(user=None)


def complete_sign_in(user: User, second_factor: str | None = None) -> None:
    """The user is in: after the password, or after the code ("totp", "recovery_code")."""
    user.last_login_at = utcnow()
    details = {"second_factor": second_factor} if second_factor else None
    audit.record("login.succeeded", obj=user, actor_id=user.id, details=details)


def create_user(
    email: str,
    name: str,
    password: str | None,
    roles: list[str] | tuple[str, ...] = (),
    office_codes: list[str] | tuple[str, ...] = (),
    language: str = "sv",
) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError(_("Ogiltig e-postadress."))
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(_("Okänd roll: %(roles)s", roles=", ".join(sorted(unknown))))
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(
            _("Det finns redan en användare med e-postadressen %(email)s.", email=email)
        )
    offices = list(db.session.scalars(select(Office).where(Office.code.in_(office_codes))))
    missing = set(office_codes) - {office.code for office in offices}
    if missing:
        raise AccountError(_("Okänt kontor: %(offices)s", offices=", ".join(sorted(missing))))
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        language=language,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    user.offices = offices
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", obj=user, details={"roles": sorted(set(roles))})
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # Every other session of this user ends.
    user.session_epoch += 1
    audit.record("user.password_changed", obj=user)


def _active_advisers_of(office_ids: Iterable[int]) -> list[Any]:
    """The conditions on users: active, an adviser, a member of one of these offices."""
    return [
        User.active.is_(True),
        User.id.in_(select(user_offices.c.user_id).where(user_offices.c.office_id.in_(office_ids))),
        User.id.in_(select(UserRole.user_id).where(UserRole.role == "adviser")),
    ]


def adviser_choices(office_ids: Iterable[int]) -> list[tuple[str, str]]:
    """Active advisers of any of these offices as (id, name) choices, by name."""
    rows = db.session.execute(
        select(User.id, User.name)
        .where(*_active_advisers_of(office_ids))
        .order_by(User.name, User.id)
    )
    return [(str(user_id), name) for user_id, name in rows]


def advisers_of_office(office_id: int, *, notify: str | None = None) -> list[User]:
    """Active advisers of an office, by name; optionally only those with a notify setting."""
    query = (
        select(User)
        .where(*_active_advisers_of([office_id]))
        .order_by(User.name, User.id)
        .options(*BY_NAME)
    )
    if notify is not None:
        query = query.where(User.notify == notify)
    return list(db.session.scalars(query))
