"""The second factor: TOTP codes from an authenticator app, and one-time recovery codes.

Optional for every staff member, required for the roles the admin names in the region
setting ``totp_required_roles`` (e.g. ``coordinator admin``). A user who has it signs in
in two steps, password then code. A code is accepted for its own 30-second step and one
step either side (clocks drift), and only once: the step of the last accepted code is
kept, and only a later step is accepted after it. A recovery code (ten are handed out,
shown once) stands in for the app once. Wrong codes count as failed sign-in attempts, so
the password throttling also limits guessing codes.

The secret is sealed at rest (``advice.accounts.sealing``); recovery codes are stored as
SHA-256 digests of 80 random bits. Services flush and audit; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from advice.accounts.models import ROLES, LoginAttempt, RecoveryCode, User
from advice.accounts.sealing import SealBroken, reseal, seal, sealed_under_current_key, unseal
from advice.accounts.services import is_throttled
from advice.audit import services as audit
from advice.clock import utcnow
from advice.extensions import db
from advice.regions.services import setting

log = logging.getLogger(__name__)

# One 30-second step either side of now: a phone clock a little off still works.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Crockford's base32: no I, L, O or U to misread; 16 characters carry 80 bits.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_CODE_LENGTH = 16
_READ_AS = str.maketrans({"o": "0", "i": "1", "l": "1"})
DEFAULT_ISSUER = "Energi- och klimatrådgivning"


class TotpError(ValueError):
    """A second-factor operation that cannot be carried out; the message says why."""


def user_context(user: User) -> str:
    """What a user's sealed secret is bound to: it opens in this user's row only."""
    return f"user:{user.id}"


def enrolment_context(user: User) -> str:
    """The binding of a secret waiting in the session for its first code."""
    return f"enrol:{user.id}"


# --- Codes --------------------------------------------------------------------------------


def new_secret() -> str:
    """160 random bits in base32, as authenticator apps expect (RFC 4226's length)."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, user: User) -> str:
    issuer = setting("region_name") or DEFAULT_ISSUER
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> Markup:
    """The enrolment link as an inline SVG QR code: no image request, no inline style.

    segno escapes the title; the SVG carries presentation attributes only, which the
    Content-Security-Policy allows.
    """
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="qr-code"
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 (segno escapes)


def _digits(code: str) -> str:
    return "".join(code.split())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = _digits(code)
    # ASCII digits only: "١٢٣٤٥٦" passes isdigit(), and compare_digest refuses non-ASCII
    # text with a TypeError.
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - VALID_WINDOW, current + VALID_WINDOW):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalise_recovery_code(code: str) -> str:
    return "".join(character for character in code.lower() if character.isalnum()).translate(
        _READ_AS
    )


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode("ascii", "ignore")).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


# --- Who must use it ----------------------------------------------------------------------


def required_roles() -> frozenset[str]:
    """The roles whose members must sign in with a second factor (a region setting)."""
    return frozenset(setting("totp_required_roles").split()) & frozenset(ROLES)


def must_use_totp(user: User) -> bool:
    return bool(user.roles & required_roles())


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- Enrolment and switching off ----------------------------------------------------------


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code)) for code in codes
    )
    db.session.flush()
    return codes


def confirm_enrolment(user: User, secret: str, code: str) -> list[str]:
    """Switch the second factor on once the app shows a right code; returns the
    recovery codes, to be shown once."""
    if user.totp_enabled:
        raise TotpError("the second factor is already on")
    now = utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise TotpError("wrong code")
    user.totp_secret = seal(secret, user_context(user))
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record("totp.enrolled", obj=user, actor_id=user.id)
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    codes = _replace_recovery_codes(user)
    audit.record("totp.recovery_codes_renewed", obj=user, actor_id=user.id)
    return codes


def _switch_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User) -> None:
    """The user switches their own second factor off (after password and code)."""
    _switch_off(user)
    audit.record("totp.disabled", obj=user, actor_id=user.id)


def reset(user: User, actor: User | None = None) -> None:
    """Remove someone's second factor (a lost phone): an admin in the web, or the
    command line (no actor). Their sessions end; they sign in with the password alone
    next time, and enrol again at once if their role requires it."""
    if actor is not None and actor.id == user.id:
        raise TotpError("own account")
    had_it = user.totp_enabled
    _switch_off(user)
    user.session_epoch += 1
    audit.record(
        "totp.reset",
        obj=user,
        actor_id=actor.id if actor else None,
        details={"email": user.email, "was_on": had_it},
    )


# --- Checking a code ----------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code: accepted by ``method`` ("totp" or "recovery_code"), or not."""

    method: str | None = None
    throttled: bool = False

    @property
    def accepted(self) -> bool:
        return self.method is not None


def _accept_totp(user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    try:
        secret = unseal(user.totp_secret, user_context(user))
    except SealBroken:
        # The secret key changed without the old one among the fallbacks: only a
        # recovery code or an admin's reset gets this user in now.
        log.error("totp: the secret of user %s does not open under any known key", user.id)
        return False
    step = _matching_step(secret, code, utcnow())
    if step is None:
        return False
    # A conditional UPDATE, not a read-then-write: of two requests with the same code,
    # the database lets exactly one move the last step forward.
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    if not sealed_under_current_key(user.totp_secret, user_context(user)):
        user.totp_secret = reseal(user.totp_secret, user_context(user))
    return True


def _spend_recovery_code(user: User, code: str) -> bool:
    if len(normalise_recovery_code(code)) != RECOVERY_CODE_LENGTH:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def check_code(user: User, code: str, client: str, *, purpose: str) -> CodeCheck:
    """Accept an app code or an unused recovery code for ``user``.

    Throttled with the sign-in: too many recent failures refuse the check, and a wrong
    (or replayed) code is recorded as a failed attempt. ``purpose`` ("sign_in",
    "disable", "renew_codes") goes into the audit log.
    """
    if is_throttled(user.email, client):
        audit.record("login.throttled", obj=user, details={"email": user.email, "step": purpose})
        return CodeCheck(throttled=True)
    if _accept_totp(user, code):
        return CodeCheck(method="totp")
    if _spend_recovery_code(user, code):
        audit.record(
            "totp.recovery_code_used",
            obj=user,
            actor_id=user.id,
            details={"purpose": purpose, "left": recovery_codes_left(user)},
        )
        return CodeCheck(method="recovery_code")
    db.session.add(LoginAttempt(email=user.email, client=client, succeeded=False))
    audit.record("totp.code_failed", obj=user, details={"purpose": purpose})
    return CodeCheck()


def reseal_all() -> int:
    """Seal every account's secret under the current key (after a key rotation)."""
    changed = 0
    for user in db.session.scalars(select(User).where(User.totp_secret.is_not(None))):
        sealed = user.totp_secret or ""
        if not sealed_under_current_key(sealed, user_context(user)):
            user.totp_secret = reseal(sealed, user_context(user))
            changed += 1
    db.session.flush()
    return changed
