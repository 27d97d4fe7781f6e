"""Small secrets sealed at rest with a key derived from the app's secret key.

A TOTP secret must be readable by the app (it computes the expected codes), so it cannot
be hashed like a password. It is sealed instead: encrypted and authenticated with keys
derived from ``SECRET_KEY``, so a copy of the database alone (a backup, a dump) gives no
second factor away; an attacker needs the configuration too.

The construction uses the standard library only: HMAC-SHA256 as a pseudo-random
function in counter mode for the key stream (a fresh 128-bit nonce per sealing), then
HMAC-SHA256 over the version, the context, the nonce and the ciphertext
(encrypt-then-MAC). The context names what the secret belongs to (``user:42``), so a
sealed value copied into another row does not open there. The ``v1.`` prefix leaves
room for another construction later (for instance AES-GCM should the project take in
``cryptography``).

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

from flask import current_app

VERSION = b"v1"
NONCE_BYTES = 16
TAG_BYTES = 32
BLOCK_BYTES = 32


class SealBroken(ValueError):
    """The value was not sealed by this app under any known key, or it was altered."""


def _derived(secret_key: str | bytes, purpose: bytes) -> bytes:
    key = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return hmac.new(key, b"advice sealing " + VERSION + b" " + purpose, hashlib.sha256).digest()


def _secret_keys() -> Iterator[str | bytes]:
    yield current_app.config["SECRET_KEY"]
    yield from current_app.config.get("SECRET_KEY_FALLBACKS") or ()


def _key_stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + BLOCK_BYTES - 1) // BLOCK_BYTES
    stream = b"".join(
        hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        for counter in range(blocks)
    )
    return stream[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _tag(key: bytes, context: str, nonce: bytes, ciphertext: bytes) -> bytes:
    message = VERSION + b"\0" + context.encode("utf-8") + b"\0" + nonce + ciphertext
    return hmac.new(key, message, hashlib.sha256).digest()


def _seal_with(secret_key: str | bytes, plaintext: str, context: str) -> str:
    encryption_key = _derived(secret_key, b"encrypt")
    mac_key = _derived(secret_key, b"authenticate")
    nonce = os.urandom(NONCE_BYTES)
    data = plaintext.encode("utf-8")
    ciphertext = _xor(data, _key_stream(encryption_key, nonce, len(data)))
    sealed = nonce + ciphertext + _tag(mac_key, context, nonce, ciphertext)
    return VERSION.decode() + "." + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def seal(plaintext: str, context: str) -> str:
    """Seal a short secret under the current secret key, bound to ``context``."""
    return _seal_with(current_app.config["SECRET_KEY"], plaintext, context)


def _open_with(secret_key: str | bytes, raw: bytes, context: str) -> str | None:
    nonce, ciphertext, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    expected = _tag(_derived(secret_key, b"authenticate"), context, nonce, ciphertext)
    if not hmac.compare_digest(tag, expected):
        return None
    stream = _key_stream(_derived(secret_key, b"encrypt"), nonce, len(ciphertext))
    return _xor(ciphertext, stream).decode("utf-8")


def _decoded(sealed: str) -> bytes:
    version, _, encoded = sealed.partition(".")
    if version.encode() != VERSION or not encoded:
        raise SealBroken("unknown sealing")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as error:
        raise SealBroken("not a sealed value") from error
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SealBroken("too short")
    return raw


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
