"""Email in: office mailboxes read over IMAP become cases and timeline entries.

``fetch_and_process`` reads every configured mailbox (see ``advice.inbound``) and, for
each message not yet handled:

1. **Nothing twice.** The message's Message-ID (or a digest, for mail without one) is
   stored in ``inbound_messages`` in the same transaction as the case change it causes,
   and the message is marked handled on the server only after that commit. A crash in
   between leaves the message unmarked; the next run finds its Message-ID, changes
   nothing and only marks it. Two fetchers at once collide on the unique Message-ID and
   the second changes nothing.
2. **No loops, no floods.** Auto-replies, vacation notices, bounces, read receipts and
   bulk mail are recorded as ignored: no case, no answer. A sender over
   ``INBOUND_SENDER_LIMIT`` messages in ``INBOUND_SENDER_WINDOW_SECONDS`` is ignored until
   the window has passed. A message over ``INBOUND_MAX_MESSAGE_BYTES`` is not read whole;
   its sender gets a short, polite explanation (unless the message was automatic).
3. **Threading.** A reply to one of our emails (signed Reply-To token, or In-Reply-To /
   References plus the requester's address) becomes a requester message on its case,
   which reopens a resolved case. Anything else opens a new case on the email channel,
   at the office of the receiving address, with the contact matched by the sender's
   address; the requester gets the usual receipt (Auto-Submitted: auto-replied).
4. **Nothing lost.** A message that cannot be read is kept whole in the quarantine
   (``/inbound/quarantine``, ``flask --app advice quarantine-retry ID``) and marked
   handled; the fetcher goes on with the next one. Only an unreachable database stops a
   run, and then nothing is marked.

Attachments pass the same content checks as uploads (``check_bytes``); refused files are
named in an internal note on the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, null, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from werkzeug.routing import BuildError

from advice.attachments.services import (
    MAX_BYTES as ATTACHMENT_MAX_BYTES,
)
from advice.attachments.services import (
    StoredFiles,
    UploadRefused,
    check_bytes,
    store_attachment,
)
from advice.audit import services as audit
from advice.cases.contacts import ContactDetails, normalise_email
from advice.cases.models import Case, CaseEntry, Contact
from advice.cases.services import NewCase, add_entry, create_case, requester_message
from advice.clock import utcnow
from advice.extensions import db
from advice.inbound.imap import (
    ImapMailbox,
    MailboxConfigError,
    MailboxSettings,
    MailboxUnavailable,
    batches,
    mailboxes_from_config,
)
from advice.inbound.models import InboundMessage
from advice.inbound.parsing import (
    MailHeaders,
    ParsedMail,
    UnparseableMail,
    message_key,
    parse_headers,
    parse_message,
)
from advice.inbound.threading import case_from_thread, check_token, token_in
from advice.mail.notifications import (
    mail_case_received,
    notify_new_case,
    notify_requester_replied,
)
from advice.mail.rendering import RenderedMail
from advice.mail.services import queue_mail
from advice.regions.models import Municipality, Office

log = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_BYTES = 15 * 1024 * 1024
DEFAULT_SENDER_LIMIT = 20
DEFAULT_SENDER_WINDOW_SECONDS = 3600
DEFAULT_MAX_ATTACHMENTS = 10
DEFAULT_KEEP_IGNORED_DAYS = 30
ERROR_MAX_LENGTH = 2000


class InboundError(ValueError):
    """An operation on a stored message that cannot be done; the message says why."""


@dataclass(frozen=True)
class Source:
    """Where a message came from."""

    mailbox: str
    office_id: int | None
    uidvalidity: int | None = None
    uid: int | None = None
    received_at: datetime | None = None
    size: int | None = None


@dataclass
class Outcome:
    # "processed", "ignored", "quarantined", or "duplicate" (seen before: nothing changed).
    status: str
    reason: str | None = None
    inbound_id: int | None = None
    case_id: int | None = None
    outbox_ids: list[int] = field(default_factory=list)


@dataclass
class FetchReport:
    mailboxes: int = 0
    fetched: int = 0
    new_cases: int = 0
    replies: int = 0
    ignored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    outbox_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.fetched += 1
        self.outbox_ids.extend(outcome.outbox_ids)
        if outcome.status == "duplicate":
            self.duplicates += 1
        elif outcome.status == "quarantined":
            self.quarantined += 1
        elif outcome.status == "ignored":
            self.ignored += 1
        elif outcome.reason == "reply":
            self.replies += 1
        else:
            self.new_cases += 1

    def summary(self) -> str:
        return (
            f"fetched {self.fetched}: new cases {self.new_cases}, replies {self.replies}, "
            f"ignored {self.ignored}, quarantined {self.quarantined}, "
            f"already handled {self.duplicates}"
        )


def _setting(name: str, default: int) -> int:
    value = current_app.config.get(name)
    return int(value) if value not in (None, "") else default


def max_message_bytes() -> int:
    return _setting("INBOUND_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES)


# Fetching -----------------------------------------------------------------------------------


def fetch_and_process(
    mailbox_names: tuple[str, ...] | list[str] = (), *, limit: int | None = None
) -> FetchReport:
    """Read every configured mailbox (or the named ones) once. Commits per message.

    A mailbox that cannot be reached is reported in ``errors`` and skipped; the others
    are read. ``limit`` bounds the messages read per mailbox in this run.
    """
    report = FetchReport()
    try:
        mailboxes = mailboxes_from_config(current_app.config)
    except MailboxConfigError as error:
        report.errors.append(str(error))
        return report
    if not mailboxes:
        return report
    forget_anonymised_mail()
    purge_ignored_records()
    db.session.commit()
    for settings in mailboxes:
        if mailbox_names and settings.name not in mailbox_names:
            continue
        report.mailboxes += 1
        try:
            _fetch_mailbox(settings, report, limit)
        except MailboxUnavailable as error:
            db.session.rollback()
            log.warning("inbound: %s", error)
            report.errors.append(str(error))
    return report


def _fetch_mailbox(settings: MailboxSettings, report: FetchReport, limit: int | None) -> None:
    office_id = db.session.scalar(select(Office.id).where(Office.code == settings.office))
    db.session.commit()
    if office_id is None:
        raise MailboxUnavailable(f"{settings.name}: no office with the code {settings.office!r}")
    largest = max_message_bytes()
    with ImapMailbox(settings) as mailbox:
        uids = mailbox.unhandled_uids()
        if limit is not None:
            uids = uids[:limit]
        for batch in batches(mailbox.envelopes(uids), largest):
            readable = [envelope.uid for envelope in batch if envelope.size <= largest]
            too_large = [envelope.uid for envelope in batch if envelope.size > largest]
            bodies = mailbox.fetch(readable)
            headers = mailbox.fetch(too_large, headers_only=True)
            # One query for the batch: which of these were handled before (a crash
            # between commit and marking, or another fetcher)?
            keys = {uid: message_key(raw) for uid, raw in (bodies | headers).items()}
            seen = _recorded_keys(list(keys.values()))
            handled: list[int] = []
            for envelope in batch:
                source = Source(
                    mailbox=settings.name,
                    office_id=office_id,
                    uidvalidity=mailbox.uidvalidity,
                    uid=envelope.uid,
                    received_at=envelope.internal_date,
                    size=envelope.size,
                )
                if keys.get(envelope.uid) in seen:
                    outcome = Outcome("duplicate")
                elif envelope.uid in bodies:
                    outcome = receive_message(bodies[envelope.uid], source, checked=True)
                elif envelope.uid in headers:
                    outcome = refuse_too_large(headers[envelope.uid], source)
                else:
                    continue  # expunged by someone else meanwhile
                report.add(outcome)
                handled.append(envelope.uid)
            # Only now, with every change of this batch committed.
            mark_handled(mailbox, handled)


def mark_handled(mailbox: ImapMailbox, uids: list[int]) -> None:
    """Tell the server these messages are done (a seam for tests that crash here)."""
    mailbox.mark_handled(uids)


# One message -----------------------------------------------------------------------------


def _recorded_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    query = select(InboundMessage.message_id).where(InboundMessage.message_id.in_(keys))
    found = set(db.session.scalars(query))
    db.session.commit()
    return found


def _already_recorded(key: str) -> bool:
    return (
        db.session.scalar(select(InboundMessage.id).where(InboundMessage.message_id == key))
        is not None
    )


def receive_message(
    raw: bytes,
    source: Source,
    *,
    quarantined: InboundMessage | None = None,
    checked: bool = False,
) -> Outcome:
    """Turn one whole message into a case change, and commit it.

    ``quarantined`` is the stored record when an admin retries a quarantined message;
    ``checked`` says the caller has just looked the Message-ID up (the unique
    constraint still stops a second fetcher that got there in between).
    Database outages propagate (nothing is committed, the message stays unmarked);
    everything else that goes wrong puts the message in the quarantine.
    """
    key = message_key(raw)
    if quarantined is None and not checked and _already_recorded(key):
        db.session.commit()
        return Outcome("duplicate")
    written = StoredFiles()
    record = quarantined
    try:
        parsed = parse_message(raw)
        if record is None:
            record = InboundMessage(
                message_id=key,
                mailbox=source.mailbox,
                uidvalidity=source.uidvalidity,
                uid=source.uid,
                office_id=source.office_id,
                status="processed",
                sender=parsed.sender,
                subject=parsed.subject or None,
                size_bytes=source.size if source.size is not None else len(raw),
                received_at=source.received_at or utcnow(),
            )
            db.session.add(record)
            # A second fetcher with the same message fails here, before it changes anything.
            db.session.flush()
        outcome, fields = _apply(parsed, record, source, written)
        # Every fact about the message in one UPDATE, once the case change is made.
        fields.update(
            sender=parsed.sender,
            subject=parsed.subject or None,
            raw=None,
            error=None,
            processed_at=utcnow(),
        )
        for name, value in fields.items():
            setattr(record, name, value)
        db.session.flush()
        outcome.inbound_id = record.id
        db.session.commit()
        return outcome
    except (OperationalError, InterfaceError):
        db.session.rollback()
        written.discard()
        raise
    except IntegrityError as error:
        db.session.rollback()
        written.discard()
        if quarantined is None and _already_recorded(key):
            db.session.commit()
            return Outcome("duplicate")
        return _quarantine(raw, key, source, error, quarantined)
    except Exception as error:
        db.session.rollback()
        written.discard()
        # A broken message needs no traceback; a bug in our code does.
        unparseable = isinstance(error, UnparseableMail)
        log.warning("inbound: message %s quarantined: %s", key, error, exc_info=not unparseable)
        return _quarantine(raw, key, source, error, quarantined)


def _quarantine(
    raw: bytes,
    key: str,
    source: Source,
    error: BaseException,
    existing: InboundMessage | None,
) -> Outcome:
    record = db.session.get(InboundMessage, existing.id) if existing is not None else None
    if record is None:
        record = InboundMessage(
            message_id=key,
            mailbox=source.mailbox,
            uidvalidity=source.uidvalidity,
            uid=source.uid,
            office_id=source.office_id,
            size_bytes=source.size if source.size is not None else len(raw),
            received_at=source.received_at or utcnow(),
            attempts=1,
        )
        db.session.add(record)
    else:
        record.attempts += 1
    record.status = "quarantined"
    record.reason = None
    record.error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
    record.raw = raw[: max_message_bytes()]
    record.sender, record.subject = _best_effort_sender(raw)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return Outcome("duplicate")
    return Outcome("quarantined", inbound_id=record.id)


def _best_effort_sender(raw: bytes) -> tuple[str | None, str | None]:
    """Who and what, for the quarantine list; whatever the headers still give."""
    try:
        headers = parse_headers(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    except Exception:
        return None, None
    return headers.sender, headers.subject or None


# What became of the message, and the InboundMessage columns that record it.
Applied = tuple[Outcome, dict[str, Any]]


def _apply(
    parsed: ParsedMail, record: InboundMessage, source: Source, written: StoredFiles
) -> Applied:
    if parsed.automatic:
        return _ignore(parsed.automatic)
    if _is_our_own_address(parsed.sender):
        return _ignore("loop")
    if _over_sender_limit(parsed.sender, record):
        return _ignore("rate_limited")

    case: Case | None = None
    details: dict[str, Any] = {}
    token = token_in(parsed.recipients)
    if token is not None:
        check = check_token(token)
        case = check.case
        if case is None:
            # A forged or stale token never touches a case: this becomes a new one.
            details["refused_token"] = check.problem
    else:
        case = case_from_thread(parsed.in_reply_to + parsed.references, parsed.sender)
    if case is not None:
        return _add_reply(case, parsed, record, written, details)
    return _open_case(parsed, record, source, written, details)


def _ignore(reason: str) -> Applied:
    return Outcome("ignored", reason), {"status": "ignored", "reason": reason}


def _open_case(
    parsed: ParsedMail,
    record: InboundMessage,
    source: Source,
    written: StoredFiles,
    details: dict[str, Any],
) -> Applied:
    office_id = office_for_recipients(parsed.recipients) or source.office_id
    known = db.session.scalar(
        select(Contact).where(Contact.email_normalised == normalise_email(parsed.sender))
    )
    language = known.language if known is not None else parsed.language
    created = create_case(
        NewCase(
            question=_question(parsed, language),
            channel_code="email",
            office_id=office_id,
            municipality_id=_municipality_for(office_id, known),
            contact=ContactDetails(
                name=parsed.sender_name, email=parsed.sender, phone=None, language=language
            ),
            language=language,
            received_at=record.received_at,
        )
    )
    case = created.case
    _store_parts(case, parsed, written, details, entry=None)
    outbox = [message.id for message in notify_new_case(case)]
    receipt = None
    if not parsed.no_auto_answer:
        receipt = mail_case_received(case, tracking_url(created.tracking_token))
    db.session.flush()
    if receipt is not None:
        outbox.append(receipt.id)
    fields = {
        "status": "processed",
        "reason": "new_case",
        "case_id": case.id,
        "folded_text": parsed.folded or None,
        "details": details,
        "answer_outbox_id": receipt.id if receipt is not None else None,
    }
    return Outcome("processed", "new_case", case_id=case.id, outbox_ids=outbox), fields


def _add_reply(
    case: Case,
    parsed: ParsedMail,
    record: InboundMessage,
    written: StoredFiles,
    details: dict[str, Any],
) -> Applied:
    body = parsed.text.strip() or _question(parsed, case.language)
    entry = requester_message(case, body)
    entry.details = {"channel": "email", "inbound_message_id": record.id}
    _store_parts(case, parsed, written, details, entry=entry)
    notice = notify_requester_replied(case)
    db.session.flush()
    fields = {
        "status": "processed",
        "reason": "reply",
        "case_id": case.id,
        "entry_id": entry.id,
        "folded_text": parsed.folded or None,
        "details": details,
    }
    outbox = [notice.id] if notice is not None else []
    return Outcome("processed", "reply", case_id=case.id, outbox_ids=outbox), fields


def _question(parsed: ParsedMail, language: str) -> str:
    """The subject as the first line (it often says it all), then the text."""
    subject = parsed.subject.strip()
    text = parsed.text.strip()
    if subject and subject.lower() not in text[:300].lower():
        text = f"{subject}\n\n{text}".strip()
    if text:
        return text
    with force_locale(language):
        return _("(E-postmeddelandet hade ingen text.)")


def _municipality_for(office_id: int | None, contact: Contact | None) -> int | None:
    """The office's only municipality, or the one of the contact's latest case there.

    Otherwise unknown: the adviser sets it.
    """
    if office_id is None:
        return None
    ids = list(
        db.session.scalars(select(Municipality.id).where(Municipality.office_id == office_id))
    )
    if len(ids) == 1:
        return ids[0]
    if contact is None or contact.id is None:
        return None
    return db.session.scalar(
        select(Case.municipality_id)
        .where(
            Case.contact_id == contact.id,
            Case.municipality_id.in_(ids),
        )
        .order_by(Case.received_at.desc())
        .limit(1)
    )


def office_for_recipients(recipients: list[str]) -> int | None:
    """The office whose address (an office's email, or a mailbox address) received this."""
    offices: dict[str | None, int] = {}
    codes: dict[str, int] = {}
    for office_id, code, email, active in db.session.execute(
        select(Office.id, Office.code, Office.email, Office.active)
    ):
        codes[code] = office_id
        if active and email:
            offices[normalise_email(email)] = office_id
    for mailbox in mailboxes_from_config(current_app.config):
        for address in mailbox.addresses:
            if mailbox.office in codes:
                offices.setdefault(address, codes[mailbox.office])
    for recipient in recipients:
        local, _at, domain = recipient.rpartition("@")
        plain = f"{local.partition('+')[0]}@{domain}".lower()
        if plain in offices:
            return offices[plain]
    return None


def _store_parts(
    case: Case,
    parsed: ParsedMail,
    written: StoredFiles,
    details: dict[str, Any],
    *,
    entry: CaseEntry | None,
) -> None:
    """Store the attachments that pass the upload checks; name the others in a note.

    What was stored and refused goes into ``details`` (the InboundMessage's).
    """
    limit = _setting("INBOUND_MAX_ATTACHMENTS", DEFAULT_MAX_ATTACHMENTS)
    refused: list[dict[str, str]] = []
    stored = 0
    with force_locale(case.language):
        for index, part in enumerate(parsed.parts):
            if index >= limit:
                reason = _("Högst %(count)d bilagor tas emot per e-postmeddelande.", count=limit)
                refused.append({"filename": part.filename[:120], "reason": reason})
                continue
            try:
                checked = check_bytes(part.filename, part.data[: ATTACHMENT_MAX_BYTES + 1])
            except UploadRefused as refusal:
                refused.append({"filename": part.filename[:120], "reason": str(refusal)})
                continue
            store_attachment(case, checked, written, entry=entry, by_requester=True)
            stored += 1
        details["attachments_stored"] = stored
        if refused:
            details["attachments_refused"] = refused
            lines = "\n".join(f"- {item['reason']}" for item in refused)
            add_entry(
                case,
                CaseEntry(
                    kind="note",
                    body=_("Bilagor i e-postmeddelandet som inte sparades:") + "\n" + lines,
                ),
            )


def _is_our_own_address(sender: str) -> bool:
    ours = {parseaddr(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))[1].lower()}
    for mailbox in mailboxes_from_config(current_app.config):
        ours.update(mailbox.addresses)
    reply_address = str(current_app.config.get("INBOUND_REPLY_ADDRESS") or "").lower()
    if reply_address:
        ours.add(reply_address)
    local, _at, domain = sender.rpartition("@")
    return sender in ours or f"{local.partition('+')[0]}@{domain}" in ours


def _over_sender_limit(sender: str, record: InboundMessage) -> bool:
    limit = _setting("INBOUND_SENDER_LIMIT", DEFAULT_SENDER_LIMIT)
    window = _setting("INBOUND_SENDER_WINDOW_SECONDS", DEFAULT_SENDER_WINDOW_SECONDS)
    if limit <= 0:
        return False
    since = (record.received_at or utcnow()) - timedelta(seconds=window)
    query = (
        select(func.count())
        .select_from(InboundMessage)
        .where(
            InboundMessage.sender == sender,
            InboundMessage.received_at > since,
            InboundMessage.status != "quarantined",
        )
    )
    if record.id is not None:
        query = query.where(InboundMessage.id != record.id)
    return (db.session.scalar(query) or 0) >= limit


# Too large ---------------------------------------------------------------------------------


def refuse_too_large(raw_header: bytes, source: Source) -> Outcome:
    """A message over the size limit: recorded, not read, the sender told why. Commits."""
    key = message_key(raw_header)
    if _already_recorded(key):
        db.session.commit()
        return Outcome("duplicate")
    try:
        headers = parse_headers(raw_header)
    except Exception:
        # Unreadable headers on a message we would not read anyway: no one to answer.
        headers = MailHeaders(key, None, None, "", [], [], None, True, None)
    record = InboundMessage(
        message_id=key,
        mailbox=source.mailbox,
        uidvalidity=source.uidvalidity,
        uid=source.uid,
        office_id=source.office_id,
        status="ignored",
        reason=headers.automatic or "too_large",
        sender=headers.sender,
        subject=headers.subject or None,
        size_bytes=source.size or len(raw_header),
        received_at=source.received_at or utcnow(),
        processed_at=utcnow(),
    )
    try:
        db.session.add(record)
        db.session.flush()
        outbox_ids = _answer_too_large(headers, record)
        db.session.commit()
    except (OperationalError, InterfaceError):
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        return Outcome("duplicate")
    return Outcome("ignored", record.reason, inbound_id=record.id, outbox_ids=outbox_ids)


def _answer_too_large(headers: MailHeaders, record: InboundMessage) -> list[int]:
    sender = headers.sender
    if (
        sender is None
        or headers.automatic
        or headers.no_auto_answer
        or _is_our_own_address(sender)
        or _over_sender_limit(sender, record)
    ):
        return []
    case = None
    token = token_in(headers.recipients)
    if token is not None:
        case = check_token(token).case
    language = case.language if case is not None else (headers.language_hint or "sv")
    rendered = render_notice(
        "too_large",
        language,
        subject=headers.subject,
        limit_mb=max_message_bytes() // (1024 * 1024),
        reference=case.reference if case is not None else None,
    )
    message = queue_mail(
        sender, rendered, kind="inbound_too_large", case_id=case.id if case is not None else None
    )
    db.session.flush()
    record.answer_outbox_id = message.id
    record.case_id = case.id if case is not None else None
    return [message.id]


def render_notice(template: str, language: str, **context: Any) -> RenderedMail:
    """A short text-only email from ``templates/inbound/mail/<template>.txt``."""
    environment = current_app.jinja_env
    with force_locale(language):
        text_template = environment.get_template(f"inbound/mail/{template}.txt")
        values = {"language": language, **context}
        subject = "".join(text_template.blocks["subject"](text_template.new_context(values)))
        text = text_template.render(values)
    lines: list[str] = []
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line and lines and not lines[-1]:
            continue
        lines.append(line)
    return RenderedMail(subject=" ".join(subject.split()), text="\n".join(lines) + "\n", html="")


def tracking_url(token: str) -> str:
    """The requester's private link, absolute where ``SERVER_NAME`` allows it."""
    try:
        return url_for("tracking.track", token=token, _external=True)
    except (BuildError, RuntimeError):
        pass
    path = f"/track/{token}"
    server = current_app.config.get("SERVER_NAME")
    if server:
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "https"
        return f"{scheme}://{server}{path}"
    return path


# The quarantine ---------------------------------------------------------------------------


def quarantined_messages(limit: int = 200) -> list[InboundMessage]:
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.status == "quarantined")
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
    )


def recently_ignored(limit: int = 50) -> list[InboundMessage]:
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.status == "ignored")
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
    )


def retry_quarantined(inbound_id: int, *, actor_id: int | None = None) -> Outcome:
    """Process a quarantined message again (after a fix); commits. Stays quarantined if
    it still fails, with the new error."""
    record = db.session.get(InboundMessage, inbound_id)
    if record is None or record.status != "quarantined" or record.raw is None:
        raise InboundError(f"no quarantined message {inbound_id}")
    audit.record(
        "inbound.retried", obj=record, actor_id=actor_id, actor_label=None if actor_id else "system"
    )
    db.session.commit()
    raw = record.raw
    source = Source(
        mailbox=record.mailbox,
        office_id=record.office_id,
        uidvalidity=record.uidvalidity,
        uid=record.uid,
        received_at=record.received_at,
        size=record.size_bytes,
    )
    return receive_message(raw, source, quarantined=record)


def dismiss_quarantined(inbound_id: int, *, actor_id: int | None = None) -> None:
    """Give up on a quarantined message: it is kept as ignored, without its content."""
    record = db.session.get(InboundMessage, inbound_id)
    if record is None or record.status != "quarantined":
        raise InboundError(f"no quarantined message {inbound_id}")
    record.status = "ignored"
    record.reason = "dismissed"
    record.raw = None
    audit.record("inbound.dismissed", obj=record, actor_id=actor_id)


# Personal data -----------------------------------------------------------------------------


def forget_anonymised_mail() -> int:
    """Clear sender, subject, folded text and content of mail whose case was anonymised.

    Anonymisation (``advice.privacy``) removes the case's own personal data; this catches
    up with the copies kept here, on every fetch run. Flushes.
    """
    anonymised = select(Case.id).where(Case.anonymised_at.is_not(None)).scalar_subquery()
    result = db.session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.case_id.in_(anonymised),
            or_(
                InboundMessage.sender.is_not(None),
                InboundMessage.subject.is_not(None),
                InboundMessage.folded_text.is_not(None),
                InboundMessage.raw.is_not(None),
            ),
        )
        .values(sender=None, subject=None, folded_text=None, raw=None, details=null())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def forget_case_inbound(case_id: int) -> int:
    """The same for one case, for the anonymisation service to call directly. Flushes."""
    result = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.case_id == case_id)
        .values(sender=None, subject=None, folded_text=None, raw=None, details=null())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_ignored_records(now: datetime | None = None) -> int:
    """Ignored mail keeps its Message-ID (so it is never read twice) but loses the
    sender and subject after ``INBOUND_KEEP_IGNORED_DAYS``. Flushes."""
    days = _setting("INBOUND_KEEP_IGNORED_DAYS", DEFAULT_KEEP_IGNORED_DAYS)
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.status == "ignored",
            InboundMessage.received_at < cutoff,
            or_(InboundMessage.sender.is_not(None), InboundMessage.subject.is_not(None)),
        )
        .values(sender=None, subject=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
