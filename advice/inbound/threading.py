"""Which case an email belongs to, and the headers that bring replies back to it.

Every email we send to a requester about a case carries a Reply-To address with the
case's reference and a signature, ``radgivning+EK-2026-00042.k3j5…@kommun.se``: the
signature is an HMAC of the reference and the case's id under ``SECRET_KEY``, so nobody
can write one for a case they were not emailed about. Mail clients keep that address
however they mangle the subject ("SV: Re: Fwd: …"), and mail servers deliver it to the
plain mailbox (plus addressing: Exchange, Microsoft 365, Dovecot, Gmail).

A reply whose client dropped the Reply-To is still threaded when its In-Reply-To or
References name one of our emails (or the requester's own earlier email) and it comes
from the case's requester. A token that is forged, or stale (the case is anonymised, or
closed longer than ``INBOUND_REPLY_MAX_AGE_DAYS``), never touches a case: the message
becomes a new case.

Our emails also carry In-Reply-To and References built from the case's mail, so the
requester's mail client shows one conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.policy import SMTP, Policy
from typing import Any

from flask import current_app
from sqlalchemy import select

from advice.cases.contacts import normalise_email
from advice.cases.models import Case
from advice.clock import utcnow
from advice.extensions import db
from advice.inbound.imap import MailboxConfigError, mailboxes_from_config
from advice.inbound.models import SYNTHETIC_DOMAIN, InboundMessage
from advice.mail.models import OutboxMessage
from advice.regions.models import Office

log = logging.getLogger(__name__)

DEFAULT_REPLY_MAX_AGE_DAYS = 365
SIGNATURE_BYTES = 10  # 80 bits, 16 base32 characters
MAX_REFERENCES = 10
_TOKEN = re.compile(
    r"^(?P<reference>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+)\.(?P<signature>[A-Za-z2-7]{16})$"
)


def _signature(reference: str, case_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = f"advice.inbound.reply|{reference.upper()}|{case_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii").lower()


def reply_token(case: Case) -> str:
    return f"{case.reference}.{_signature(case.reference, case.id)}"


def _reply_base_address(case: Case) -> str | None:
    """``INBOUND_REPLY_ADDRESS``, else the case office's mailbox, else the first mailbox."""
    configured = current_app.config.get("INBOUND_REPLY_ADDRESS")
    if configured:
        return str(configured).strip()
    try:
        mailboxes = mailboxes_from_config(current_app.config)
    except MailboxConfigError:
        # fetch-mail reports the broken setting; outgoing mail must not stop for it.
        log.exception("inbound: INBOUND_MAILBOXES is broken; no Reply-To address")
        return None
    if not mailboxes:
        return None
    office_code = db.session.scalar(select(Office.code).where(Office.id == case.office_id))
    for mailbox in mailboxes:
        if mailbox.office == office_code:
            return mailbox.address
    return mailboxes[0].address


def reply_address(case: Case) -> str | None:
    """The signed address a requester's reply comes back to; None without inbound mail."""
    base = _reply_base_address(case)
    if not base or "@" not in base:
        return None
    local, _, domain = base.rpartition("@")
    local = local.partition("+")[0]
    return f"{local}+{reply_token(case)}@{domain}"


def token_in(addresses: list[str]) -> str | None:
    """The first plus-tag among the recipients that looks like a reply token."""
    for address in addresses:
        local = address.rpartition("@")[0]
        tag = local.partition("+")[2]
        if tag and _TOKEN.match(tag):
            return tag
    return None


@dataclass(frozen=True)
class TokenCheck:
    case: Case | None
    # Why a token was refused: "forged", "unknown_case", "stale"; None when accepted.
    problem: str | None


def check_token(token: str) -> TokenCheck:
    """The case a reply token names, if the signature is ours and the case still takes mail."""
    match = _TOKEN.match(token)
    if match is None:
        return TokenCheck(None, "forged")
    reference = match.group("reference").upper()
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        # Still compare, so an unknown reference costs the same time as a known one.
        hmac.compare_digest(match.group("signature").lower(), _signature(reference, 0))
        return TokenCheck(None, "unknown_case")
    if not hmac.compare_digest(match.group("signature").lower(), _signature(reference, case.id)):
        return TokenCheck(None, "forged")
    if _is_stale(case):
        return TokenCheck(None, "stale")
    return TokenCheck(case, None)


def _is_stale(case: Case) -> bool:
    if case.anonymised_at is not None or case.contact_id is None:
        return True
    max_age = int(
        current_app.config.get("INBOUND_REPLY_MAX_AGE_DAYS") or DEFAULT_REPLY_MAX_AGE_DAYS
    )
    return (
        case.status == "closed"
        and case.closed_at is not None
        and case.closed_at < utcnow() - timedelta(days=max_age)
    )


def case_from_thread(message_ids: list[str], sender: str) -> Case | None:
    """The case whose mail this message answers, when it comes from that case's requester.

    Message-IDs alone are not secret enough to trust (ours are unique, not unguessable),
    so the sender must be the case's contact as well.
    """
    if not message_ids:
        return None
    wanted = list(dict.fromkeys(message_ids))[-50:]
    case_ids = list(
        db.session.scalars(
            select(OutboxMessage.case_id).where(
                OutboxMessage.message_id.in_(wanted), OutboxMessage.case_id.is_not(None)
            )
        )
    ) + list(
        db.session.scalars(
            select(InboundMessage.case_id).where(
                InboundMessage.message_id.in_(wanted), InboundMessage.case_id.is_not(None)
            )
        )
    )
    sender_key = normalise_email(sender)
    for case_id in dict.fromkeys(case_ids):
        case = db.session.get(Case, case_id)
        if case is None or _is_stale(case) or case.contact is None:
            continue
        if case.contact.email_normalised == sender_key:
            return case
    return None


# Outgoing mail ------------------------------------------------------------------------------


class _MessageIdListHeader:
    """In-Reply-To and References: Message-IDs folded only between ids, never encoded.

    The email package treats these as unstructured text and writes an id longer than a
    line (Outlook's are about 90 characters) as RFC 2047 encoded words, which no mail
    client matches. An over-long id stays whole instead (RFC 5322 allows 998).
    """

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        kwds["decoded"] = " ".join(str(value).split())
        kwds["parse_tree"] = UnstructuredHeader.value_parser(kwds["decoded"])
        kwds["defects"] = []

    def fold(self, *, policy: Policy) -> str:
        name = self.name  # type: ignore[attr-defined]
        lines = [f"{name}:"]
        for message_id in str(self).split():
            if lines[-1] != f"{name}:" and len(lines[-1]) + 1 + len(message_id) > (
                policy.max_line_length or 78
            ):
                lines.append("")
            lines[-1] += f" {message_id}"
        return policy.linesep.join(lines) + policy.linesep


def _outgoing_policy() -> Policy:
    registry = HeaderRegistry()
    registry.map_to_type("in-reply-to", _MessageIdListHeader)
    registry.map_to_type("references", _MessageIdListHeader)
    return SMTP.clone(header_factory=registry)


# The policy outgoing mail is built with: SMTP's, with Message-ID lists kept intact.
OUTGOING_POLICY = _outgoing_policy()


def thread_headers(message: OutboxMessage) -> dict[str, str]:
    """Reply-To, In-Reply-To, References and Auto-Submitted for one outgoing email.

    Auto-Submitted is "auto-replied" for our automatic answers to inbound mail (the
    receipt of a case that came by email, the size-limit notice), and absent otherwise
    (the caller keeps its own default). Reply-To and the thread headers go only on mail
    to the case's requester: an adviser's notification must never invite a reply that
    would land in the case as the requester's.
    """
    headers: dict[str, str] = {}
    if message.id is None:
        return headers
    answered = db.session.scalar(
        select(InboundMessage).where(InboundMessage.answer_outbox_id == message.id).limit(1)
    )
    if answered is not None:
        headers["Auto-Submitted"] = "auto-replied"
        if answered.has_real_message_id:
            headers["In-Reply-To"] = answered.message_id
            headers["References"] = answered.message_id
    if message.case_id is None:
        return headers
    case = db.session.get(Case, message.case_id)
    if case is None or case.contact is None or case.anonymised_at is not None:
        return headers
    if normalise_email(message.to_address) != case.contact.email_normalised:
        return headers
    address = reply_address(case)
    if address:
        headers["Reply-To"] = address
    thread = _thread_message_ids(case.id, message)
    if thread.ids:
        references = (
            thread.ids
            if len(thread.ids) <= MAX_REFERENCES
            else (thread.ids[:1] + thread.ids[-(MAX_REFERENCES - 1) :])
        )
        headers["References"] = " ".join(references)
        headers.setdefault("In-Reply-To", thread.last_inbound or thread.ids[-1])
    return headers


@dataclass(frozen=True)
class _Thread:
    ids: list[str]
    last_inbound: str | None


def _thread_message_ids(case_id: int, message: OutboxMessage) -> _Thread:
    """The case's mail with the requester before this message, oldest first."""
    created = message.created_at or utcnow()
    inbound = db.session.execute(
        select(InboundMessage.received_at, InboundMessage.message_id)
        .where(
            InboundMessage.case_id == case_id,
            InboundMessage.status == "processed",
            InboundMessage.received_at <= created,
        )
        .order_by(InboundMessage.received_at, InboundMessage.id)
    ).all()
    outbound = db.session.execute(
        select(OutboxMessage.created_at, OutboxMessage.message_id)
        .where(
            OutboxMessage.case_id == case_id,
            OutboxMessage.to_address == message.to_address,
            OutboxMessage.id < message.id,
        )
        .order_by(OutboxMessage.id)
    ).all()
    real_inbound = [(at, mid) for at, mid in inbound if not mid.endswith(SYNTHETIC_DOMAIN + ">")]
    merged = sorted(
        [(at, 0, mid) for at, mid in real_inbound] + [(at, 1, mid) for at, mid in outbound]
    )
    ids = list(dict.fromkeys(mid for _at, _kind, mid in merged))
    return _Thread(ids=ids, last_inbound=real_inbound[-1][1] if real_inbound else None)
