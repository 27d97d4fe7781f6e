"""Integration keys: create, revoke, and check them on each API call.

A key looks like ``ek_1a2b3c4d.<43 characters>``: the prefix names it (lists, audit log,
rate limit), the rest is 256 bits of randomness. Callers send it as
``Authorization: Bearer <key>``. A keyed route needs no session and no CSRF token: the key
is the credential, and a browser never sends it by itself.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import select
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from advice.accounts.models import User
from advice.api.models import SCOPES, IntegrationKey
from advice.audit import services as audit
from advice.cases.services import hash_token
from advice.clock import utcnow
from advice.extensions import csrf, db, limiter

F = TypeVar("F", bound=Callable[..., Any])


class IntegrationKeyError(ValueError):
    """A key operation that cannot be carried out; the message says why."""


@dataclass
class CreatedKey:
    key: IntegrationKey
    secret: str  # the whole key, shown once


def _scopes_value(scopes: list[str] | tuple[str, ...]) -> str:
    chosen = [scope for scope in SCOPES if scope in scopes]
    unknown = set(scopes) - set(SCOPES)
    if unknown or not chosen:
        raise IntegrationKeyError(f"Choose one or more scopes of: {', '.join(SCOPES)}.")
    return " ".join(chosen)


def create_key(name: str, scopes: list[str] | tuple[str, ...], by: User | None) -> CreatedKey:
    """A new key; the caller commits and shows ``secret`` once."""
    name = name.strip()
    if not name:
        raise IntegrationKeyError("A key needs a name that says who uses it.")
    scopes_value = _scopes_value(scopes)
    prefix = f"ek_{secrets.token_hex(4)}"
    secret = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = IntegrationKey(
        name=name[:120],
        prefix=prefix,
        key_hash=hash_token(secret),
        scopes=scopes_value,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        "api_key.created",
        obj=key,
        actor_id=by.id if by is not None else None,
        actor_label=None if by is not None else "system",
        details={"prefix": prefix, "name": key.name, "scopes": key.scope_list},
    )
    return CreatedKey(key=key, secret=secret)


def revoke_key(key: IntegrationKey, by: User | None) -> None:
    """Stop the key working at once; the caller commits. Revoking twice changes nothing."""
    if key.revoked_at is not None:
        return
    key.revoked_at = utcnow()
    key.revoked_by_id = by.id if by is not None else None
    audit.record(
        "api_key.revoked",
        obj=key,
        actor_id=by.id if by is not None else None,
        actor_label=None if by is not None else "system",
        details={"prefix": key.prefix, "name": key.name},
    )


def key_by_prefix(prefix: str) -> IntegrationKey | None:
    return db.session.scalar(select(IntegrationKey).where(IntegrationKey.prefix == prefix))


@dataclass(frozen=True)
class Bearer:
    """A kind of credential sent as ``Authorization: Bearer <prefix>.<secret>``: its
    form, the name its audit events and rate-limit budgets go by, and what a caller
    without a valid one is told."""

    form: re.Pattern[str]
    name: str
    hint: str

    def presented(self) -> tuple[str | None, str | None]:
        """The credential in the Authorization header and its prefix (the form's first
        group), when it has this form."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            return None, None
        match = self.form.match(value)
        return (value, match[1]) if match else (None, None)

    def rate_limit_key(self) -> str:
        """One budget per credential; calls without a well-formed one share their
        client's budget."""
        _secret, prefix = self.presented()
        return f"{self.name}:{prefix}" if prefix else f"api-client:{request.remote_addr}"

    def refuse(self, reason: str, prefix: str | None) -> Unauthorized:
        """The 401 for a missing, unknown or ended credential, the refusal on record."""
        audit.record(
            f"{self.name}.refused",
            actor_label="anonymous",
            details={"reason": reason, "prefix": prefix},
        )
        db.session.commit()
        return Unauthorized(
            self.hint, www_authenticate=WWWAuthenticate("bearer", {"realm": "advice"})
        )

    def limited(self, view: F) -> F:
        """``view``, open without a session (the credential signs in) and rate-limited
        per credential."""
        view.is_public = True  # type: ignore[attr-defined]
        return limiter.limit(api_rate_limit, key_func=self.rate_limit_key)(view)  # type: ignore[return-value]


def api_rate_limit() -> str:
    """The budget of one key or token (per minute and per hour)."""
    return str(current_app.config.get("API_KEY_RATE_LIMIT", "60 per minute; 1000 per hour"))


INTEGRATION_KEY = Bearer(
    re.compile(r"^(ek_[0-9a-f]{8})\.[A-Za-z0-9_-]{43}$"),
    "api_key",
    "Send a valid, unrevoked integration key as 'Authorization: Bearer <key>'.",
)


def _authenticate(scope: str) -> IntegrationKey:
    secret, prefix = INTEGRATION_KEY.presented()
    if secret is None or prefix is None:
        raise INTEGRATION_KEY.refuse("missing or malformed", None)
    key = key_by_prefix(prefix)
    if key is None or not hmac.compare_digest(key.key_hash, hash_token(secret)):
        raise INTEGRATION_KEY.refuse("unknown", prefix)
    if key.revoked_at is not None:
        raise INTEGRATION_KEY.refuse("revoked", prefix)
    if scope not in key.scope_list:
        audit.record(
            "api_key.refused",
            obj=key,
            actor_label=f"key:{key.prefix}",
            details={"reason": "scope", "scope": scope, "prefix": key.prefix},
        )
        db.session.commit()
        raise Forbidden(f"This key may not use the '{scope}' part of the API.")
    return key


def key_required(scope: str) -> Callable[[F], F]:
    """Open a view to callers holding an unrevoked key with ``scope``; every call is
    rate-limited per key and audited (the event commits with the view's transaction)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            key = _authenticate(scope)
            key.last_used_at = utcnow()
            g.integration_key = key
            audit.record(
                "api_key.used",
                obj=key,
                actor_label=f"key:{key.prefix}",
                details={
                    "prefix": key.prefix,
                    "scope": scope,
                    "method": request.method,
                    "path": request.path,
                },
            )
            db.session.commit()  # the use is on record even if the call then fails
            return view(*args, **kwargs)

        wrapped.api_scope = scope  # type: ignore[attr-defined]
        limited = INTEGRATION_KEY.limited(wrapped)
        csrf.exempt(limited)
        return limited  # type: ignore[return-value]

    return decorator


def current_key() -> IntegrationKey:
    return g.integration_key
