"""Small secrets sealed at rest with a key derived from the app's secret key.

A TOTP secret must be readable by the app (it computes the expected codes), so it cannot
be hashed like a password. It is sealed instead: AES-256-GCM (``cryptography``) with a
key derived from ``SECRET_KEY``, so a copy of the database alone (a backup, a dump) gives
no second factor away; an attacker needs the configuration too. The context names what
the secret belongs to (``user:42``) and is the cipher's associated data, so a sealed
value copied into another row does not open there. The ``v1.`` prefix leaves room for
another construction later.

Rotating the secret key: values sealed under a key in ``SECRET_KEY_FALLBACKS`` still
open, and ``reseal`` writes them under the current key (``flask --app advice
reseal-secrets`` does it for every account), so the fallback can then be removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

VERSION = "v1"
NONCE_BYTES = 12


class SealBroken(ValueError):
    """The value was not sealed by this app under any known key, or it was altered."""


def _cipher(secret_key: str | bytes) -> AESGCM:
    key = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return AESGCM(hmac.new(key, b"advice sealing v1", hashlib.sha256).digest())


def _secret_keys() -> Iterator[str | bytes]:
    yield current_app.config["SECRET_KEY"]
    yield from current_app.config.get("SECRET_KEY_FALLBACKS") or ()


def seal(plaintext: str, context: str) -> str:
    """Seal a short secret under the current secret key, bound to ``context``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _cipher(current_app.config["SECRET_KEY"]).encrypt(
        nonce, plaintext.encode("utf-8"), context.encode("utf-8")
    )
    return f"{VERSION}." + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def _decoded(sealed: str) -> bytes:
    version, _, encoded = sealed.partition(".")
    if version != VERSION or not encoded:
        raise SealBroken("unknown sealing")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as error:
        raise SealBroken("not a sealed value") from error
    if len(raw) <= NONCE_BYTES:
        raise SealBroken("too short")
    return raw


def _open_with(secret_key: str | bytes, raw: bytes, context: str) -> str | None:
    try:
        opened = _cipher(secret_key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8")
        )
    except InvalidTag:
        return None
    return opened.decode("utf-8")


def unseal(sealed: str, context: str) -> str:
    """The secret; tries the current key, then the fallbacks of a key rotation."""
    raw = _decoded(sealed)
    for secret_key in _secret_keys():
        opened = _open_with(secret_key, raw, context)
        if opened is not None:
            return opened
    raise SealBroken("the value does not open under any known key")


def sealed_under_current_key(sealed: str, context: str) -> bool:
    try:
        return _open_with(current_app.config["SECRET_KEY"], _decoded(sealed), context) is not None
    except SealBroken:
        return False


def reseal(sealed: str, context: str) -> str:
    """The same secret sealed under the current key (after a rotation)."""
    return seal(unseal(sealed, context), context)
