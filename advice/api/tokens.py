"""Advisers' personal tokens: read one's queue and one's cases through the API.

A token looks like ``pt_1a2b3c4d.<43 characters>`` and is sent as
``Authorization: Bearer <token>``. It is made on the adviser's own settings page (after
signing in, with the second factor where they have one), shown once, stored as SHA-256,
and acts as its user for the request: every rule of the case pages applies, and what the
user may not open does not exist. It can only read. It stops working when it expires, is
revoked, or its user is deactivated, loses the adviser role or is signed out everywhere.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from advice.accounts.models import User
from advice.api.keys import Bearer
from advice.api.models import PersonalToken
from advice.audit import services as audit
from advice.cases.services import hash_token
from advice.clock import utcnow
from advice.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

PERSONAL_TOKEN = Bearer(
    re.compile(r"^(pt_[0-9a-f]{8})\.[A-Za-z0-9_-]{43}$"),
    "personal_token",
    "Send a valid personal token as 'Authorization: Bearer <token>'.",
)
VALIDITY_DAYS = (30, 90)
MAX_ACTIVE_TOKENS = 5


class PersonalTokenError(ValueError):
    """A token that cannot be made; the message says why (in the user's language)."""


@dataclass
class CreatedToken:
    token: PersonalToken
    secret: str  # the whole token, shown once


def active_tokens(user: User) -> list[PersonalToken]:
    """The user's tokens that are neither revoked nor expired, newest first."""
    return list(
        db.session.scalars(
            select(PersonalToken)
            .where(
                PersonalToken.user_id == user.id,
                PersonalToken.revoked_at.is_(None),
                PersonalToken.expires_at > utcnow(),
                PersonalToken.epoch == user.session_epoch,
            )
            .order_by(PersonalToken.created_at.desc(), PersonalToken.id.desc())
        )
    )


def create_token(user: User, name: str, days: int) -> CreatedToken:
    """A new token for ``user``; the caller commits and shows ``secret`` once."""
    if days not in VALIDITY_DAYS:
        raise ValueError(f"a token is valid for one of {VALIDITY_DAYS} days, not {days}")
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise PersonalTokenError(
            _(
                "Du har redan %(count)d nycklar. Återkalla en innan du skapar en ny.",
                count=MAX_ACTIVE_TOKENS,
            )
        )
    prefix = f"pt_{secrets.token_hex(4)}"
    secret = f"{prefix}.{secrets.token_urlsafe(32)}"
    token = PersonalToken(
        user_id=user.id,
        name=name.strip()[:120],
        prefix=prefix,
        token_hash=hash_token(secret),
        epoch=user.session_epoch,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "personal_token.created",
        obj=token,
        actor_id=user.id,
        details={"prefix": prefix, "name": token.name, "days": days},
    )
    return CreatedToken(token=token, secret=secret)


def revoke_token(token: PersonalToken, by: User) -> None:
    """Stop the token working at once; the caller commits. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(
        "personal_token.revoked",
        obj=token,
        actor_id=by.id,
        details={"prefix": token.prefix, "name": token.name},
    )


def _authenticate() -> PersonalToken:
    secret, prefix = PERSONAL_TOKEN.presented()
    if secret is None or prefix is None:
        raise PERSONAL_TOKEN.refuse("missing or malformed", None)
    token = db.session.scalar(
        select(PersonalToken)
        .where(PersonalToken.prefix == prefix)
        .options(
            joinedload(PersonalToken.user).options(
                joinedload(User.role_rows), joinedload(User.offices)
            )
        )
    )
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(secret)):
        raise PERSONAL_TOKEN.refuse("unknown", prefix)
    if not token.works(utcnow()):
        raise PERSONAL_TOKEN.refuse("ended", prefix)
    return token


def token_required(view: F) -> F:
    """Open a view to the holder of a working personal token, signed in as its user for
    this request only (no session is made); rate-limited per token, and every call is
    audited with the user as the actor."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        token = _authenticate()
        token.last_used_at = utcnow()
        # Flask-Login's current user for this request, whatever cookie came with it.
        g._login_user = token.user
        audit.record(
            "personal_token.used",
            obj=token,
            actor_id=token.user_id,
            details={"prefix": token.prefix, "method": request.method, "path": request.path},
        )
        db.session.commit()  # the use is on record even if the call then fails
        return view(*args, **kwargs)

    # The token can only read: its views are GETs, which need no CSRF exemption.
    return PERSONAL_TOKEN.limited(wrapped)
