"""The office mailboxes, read over IMAP with the standard library's imaplib.

A mailbox is opened with TLS (port 993) or STARTTLS (port 143), certificates verified
against the system's trust store or a given CA file. Plain IMAP is refused except to the
machine itself (tests, or a local relay). Messages are read with ``BODY.PEEK[]`` so that
reading never marks them seen; a message is marked handled only when the caller says so,
after its case change is committed:

- with ``processed_folder`` set, handled messages are moved there (``UID MOVE``, or
  ``COPY`` + ``\\Deleted`` + ``UID EXPUNGE`` where the server lacks MOVE). Recommended for
  Exchange, which does not keep custom keywords.
- otherwise they get the ``\\Seen`` flag and the keyword ``$AdviceHandled``, and the next
  run asks for messages without that keyword (without ``\\Seen`` where the server does
  not allow keywords: then nobody should read that mailbox by hand).
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from types import TracebackType
from typing import Any

HANDLED_KEYWORD = "$AdviceHandled"
SECURITY_MODES = ("tls", "starttls", "none")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
# One UID FETCH asks for at most this many messages and about this many bytes.
FETCH_BATCH_MESSAGES = 25
FETCH_BATCH_BYTES = 32 * 1024 * 1024

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class MailboxConfigError(ValueError):
    """INBOUND_MAILBOXES holds an entry that cannot work; the message says which and why."""


class MailboxUnavailable(Exception):
    """The server cannot be reached, refuses the login or the command: try next run."""


@dataclass(frozen=True)
class MailboxSettings:
    """One entry of ``INBOUND_MAILBOXES``."""

    name: str
    host: str
    username: str
    password: str
    # The code of the office whose new cases arrive here.
    office: str
    # The address this mailbox receives; replies to cases come back to it (plus-tagged).
    address: str
    # More addresses delivered into this mailbox (aliases of the same office).
    aliases: tuple[str, ...] = ()
    port: int = 993
    security: str = "tls"
    folder: str = "INBOX"
    processed_folder: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], index: int = 0) -> MailboxSettings:
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        label = values.get("name") or f"INBOUND_MAILBOXES[{index}]"
        if unknown:
            raise MailboxConfigError(f"{label}: unknown settings {sorted(unknown)}")
        missing = [
            key
            for key in ("host", "username", "password", "office", "address")
            if not values.get(key)
        ]
        if missing:
            raise MailboxConfigError(f"{label}: missing {', '.join(missing)}")
        security = str(values.get("security") or "tls").lower()
        if security not in SECURITY_MODES:
            raise MailboxConfigError(f"{label}: security must be one of {SECURITY_MODES}")
        host = str(values["host"])
        if security == "none" and host not in LOOPBACK_HOSTS:
            raise MailboxConfigError(
                f"{label}: IMAP without TLS is only allowed to this machine, not {host}"
            )
        address = str(values["address"]).strip().lower()
        return cls(
            name=str(values.get("name") or address),
            host=host,
            username=str(values["username"]),
            password=str(values["password"]),
            office=str(values["office"]),
            address=address,
            aliases=tuple(str(a).strip().lower() for a in values.get("aliases") or ()),
            port=int(values.get("port") or DEFAULT_PORTS[security]),
            security=security,
            folder=str(values.get("folder") or "INBOX"),
            processed_folder=values.get("processed_folder") or None,
            ca_file=values.get("ca_file") or None,
            timeout=float(values.get("timeout") or 30.0),
        )

    @property
    def addresses(self) -> tuple[str, ...]:
        return (self.address, *self.aliases)


def mailboxes_from_config(config: Mapping[str, Any]) -> list[MailboxSettings]:
    """The configured mailboxes; raises ``MailboxConfigError`` for a broken entry."""
    entries = config.get("INBOUND_MAILBOXES") or []
    if isinstance(entries, Mapping):
        entries = [entries]
    mailboxes = [MailboxSettings.from_mapping(entry, i) for i, entry in enumerate(entries)]
    names = [mailbox.name for mailbox in mailboxes]
    if len(set(names)) != len(names):
        raise MailboxConfigError("INBOUND_MAILBOXES: every mailbox needs its own name")
    return mailboxes


@dataclass(frozen=True)
class Envelope:
    """What the server says about a message before we read it."""

    uid: int
    size: int
    internal_date: datetime | None


@dataclass
class ImapMailbox:
    """One open, selected mailbox. Use as a context manager."""

    settings: MailboxSettings
    connection: imaplib.IMAP4 | None = None
    uidvalidity: int | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    keywords_allowed: bool = False

    def __enter__(self) -> ImapMailbox:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # Connection ---------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def open(self) -> None:
        settings = self.settings
        try:
            if settings.security == "tls":
                self.connection = imaplib.IMAP4_SSL(
                    settings.host,
                    settings.port,
                    ssl_context=self._tls_context(),
                    timeout=settings.timeout,
                )
            else:
                self.connection = imaplib.IMAP4(
                    settings.host, settings.port, timeout=settings.timeout
                )
                if settings.security == "starttls":
                    self.connection.starttls(ssl_context=self._tls_context())
            self.connection.login(settings.username, settings.password)
            # Asked again after login: servers announce MOVE and UIDPLUS only then.
            status, data = self.connection.capability()
            self._check(status, data)
            words = b" ".join(item for item in data if isinstance(item, bytes)).upper().split()
            self.capabilities = frozenset(word.decode("ascii", "replace") for word in words)
            status, data = self.connection.select(_quote(settings.folder))
            self._check(status, data)
            self.uidvalidity = _response_number(self.connection, "UIDVALIDITY")
            flags = b" ".join(
                item
                for item in self.connection.untagged_responses.get("PERMANENTFLAGS", [])
                if isinstance(item, bytes)
            )
            self.keywords_allowed = b"\\*" in flags
        except (imaplib.IMAP4.error, OSError) as error:
            self.close()
            raise MailboxUnavailable(f"{settings.name}: {_describe(error)}") from error

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if connection.state == "SELECTED":
                connection.close()
            connection.logout()
        except (imaplib.IMAP4.error, OSError):
            try:
                connection.shutdown()
            except OSError:
                pass

    # Reading ----------------------------------------------------------------------------

    def _uid(self, command: str, *args: str) -> list[Any]:
        if self.connection is None:
            raise MailboxUnavailable(f"{self.settings.name}: not connected")
        try:
            status, data = self.connection.uid(command, *args)
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxUnavailable(f"{self.settings.name}: {_describe(error)}") from error
        self._check(status, data)
        return data

    def _check(self, status: str, data: Sequence[Any]) -> None:
        if status != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise MailboxUnavailable(f"{self.settings.name}: {status} {detail}".strip())

    def unhandled_uids(self) -> list[int]:
        """UIDs of the messages not yet handled, oldest first."""
        criteria = ["UNDELETED"]
        if self.keywords_allowed:
            criteria += ["UNKEYWORD", HANDLED_KEYWORD]
        elif not self.settings.processed_folder:
            criteria += ["UNSEEN"]
        data = self._uid("SEARCH", *criteria)
        found = b" ".join(item for item in data if isinstance(item, bytes)).split()
        return sorted(int(uid) for uid in found)

    def envelopes(self, uids: Sequence[int]) -> list[Envelope]:
        """Size and arrival time of each message, without reading it."""
        found: dict[int, Envelope] = {}
        for chunk in _chunks(uids, 500):
            data = self._uid("FETCH", _uid_set(chunk), "(UID RFC822.SIZE INTERNALDATE)")
            for item in data:
                meta = item[0] if isinstance(item, tuple) else item
                if not isinstance(meta, bytes):
                    continue
                uid, size = _UID.search(meta), _SIZE.search(meta)
                if not uid or not size:
                    continue
                internal = _INTERNALDATE.search(meta)
                found[int(uid.group(1))] = Envelope(
                    uid=int(uid.group(1)),
                    size=int(size.group(1)),
                    internal_date=_internal_date(internal.group(1)) if internal else None,
                )
        return [found[uid] for uid in uids if uid in found]

    def fetch(self, uids: Sequence[int], *, headers_only: bool = False) -> dict[int, bytes]:
        """The messages (or only their headers), without setting ``\\Seen``."""
        if not uids:
            return {}
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = self._uid("FETCH", _uid_set(uids), f"(UID {part})")
        return _literals_by_uid(data)

    # Marking ----------------------------------------------------------------------------

    def mark_handled(self, uids: Iterable[int]) -> None:
        """Handled for good: moved to the processed folder, or flagged."""
        uid_list = sorted(set(uids))
        if not uid_list:
            return
        uid_set = _uid_set(uid_list)
        target = self.settings.processed_folder
        if target:
            if "MOVE" in self.capabilities:
                self._uid("MOVE", uid_set, _quote(target))
                return
            self._uid("COPY", uid_set, _quote(target))
            self._uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Deleted \\Seen)")
            if "UIDPLUS" in self.capabilities:
                self._uid("EXPUNGE", uid_set)
            return
        flags = f"(\\Seen {HANDLED_KEYWORD})" if self.keywords_allowed else "(\\Seen)"
        self._uid("STORE", uid_set, "+FLAGS.SILENT", flags)


def _response_number(connection: imaplib.IMAP4, name: str) -> int | None:
    """A number the server sent with a response code, e.g. ``[UIDVALIDITY 3857529045]``."""
    for item in connection.untagged_responses.get(name, []):
        if isinstance(item, bytes) and item.strip().isdigit():
            return int(item)
    for item in connection.untagged_responses.get("OK", []):
        match = _UIDVALIDITY.search(item) if isinstance(item, bytes) else None
        if match:
            return int(match.group(1))
    return None


def _literals_by_uid(data: Sequence[Any]) -> dict[int, bytes]:
    """imaplib's FETCH answer: (b'1 (UID 5 BODY[] {123}', b'...') pairs, then b')'.

    The UID may also come after the literal (b' UID 5)'), so the next item is read too.
    """
    found: dict[int, bytes] = {}
    items = list(data)
    for index, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        meta, literal = item[0], item[1]
        match = _UID.search(meta) if isinstance(meta, bytes) else None
        if match is None and index + 1 < len(items) and isinstance(items[index + 1], bytes):
            match = _UID.search(items[index + 1])
        if match is not None and isinstance(literal, bytes):
            found[int(match.group(1))] = literal
    return found


def batches(envelopes: Sequence[Envelope], max_bytes: int) -> Iterator[list[Envelope]]:
    """Groups of messages small enough to fetch in one command each."""
    batch: list[Envelope] = []
    size = 0
    for envelope in envelopes:
        counted = min(envelope.size, max_bytes)
        if batch and (len(batch) >= FETCH_BATCH_MESSAGES or size + counted > FETCH_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(envelope)
        size += counted
    if batch:
        yield batch


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _uid_set(uids: Iterable[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _quote(mailbox: str) -> str:
    escaped = mailbox.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _internal_date(value: bytes) -> datetime | None:
    """``"5-Feb-2026 10:12:00 +0100"``: when the server received the message."""
    match = re.fullmatch(
        r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)",
        value.decode("ascii", "replace"),
    )
    if not match or match.group(2).title() not in _MONTHS:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    offset = timedelta(hours=int(zone_h), minutes=int(zone_m)) * (-1 if sign == "-" else 1)
    local = datetime(
        int(year),
        _MONTHS[month.title()],
        int(day),
        int(hour),
        int(minute),
        int(second),
        tzinfo=timezone(offset),
    )
    return local.astimezone(UTC)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]
