"""The outbox: queue an email with the change that causes it, deliver it after the commit.

Queueing adds an ``OutboxMessage`` to the current transaction and commits nothing: the
email exists exactly when the case (or reply) that caused it does.

Delivery goes through SMTP when ``MAIL_SERVER`` is set, and otherwise writes each email
as an ``.eml`` file to ``<instance>/outbox/`` (what ``make run`` shows). A message is
*claimed* in a short transaction of its own (``attempts`` + 1, ``next_attempt_at`` moved
a lease into the future, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single
writer serialises the same update), then sent with no transaction open, then its outcome
is committed. So two senders never send the same message, the SMTP conversation never
holds a database lock (on SQLite that would stop every other write), and each message
commits alone: one bad message never blocks the rest. A sender that dies between sending
and recording leaves the message to be sent again once the lease has passed (at least
once, never lost); the Message-ID stays the same, so mail systems can spot the repeat.

A failure keeps the message pending and retries it after 1, 2, 4 … minutes (at most an
hour between tries); after ``MAX_ATTEMPTS`` it is marked failed. A permanent refusal
(an SMTP 5xx answer about the recipient or the content) fails at once.

When does delivery run?

- **After the response of the request that queued the mail.** ``queue_mail`` calls
  ``deliver_after_request``, which hangs the delivery on ``response.call_on_close``: it
  runs once the response has been sent, after the view's commit, so a slow or failing
  mail server neither delays nor breaks the page. Errors there are logged, never raised.
  (``after_this_request`` alone would run *before* the response is sent; a teardown
  handler runs before the response body is sent too.)
  With ``REDIS_URL`` set, the same hook enqueues a job instead, and a worker
  (``flask --app advice worker``) delivers; see ``advice.ops.jobs``.
- **``flask --app advice send-mail``** delivers everything due, including retries; run it
  from a timer (systemd timer or cron, every minute), or as ``send-mail --loop 60`` as a
  long-running process where there is no timer. Without either, a failed message waits
  for someone to run the command.

Sent messages keep their record (without attachments) for ``MAIL_OUTBOX_KEEP_DAYS``
(default 30) and are then purged by ``send-mail``, since an email body holds personal
data; ``forget_case_mail`` removes a case's messages when the case is anonymised.

Settings (``instance/config.py`` or ``ADVICE_``-prefixed environment variables; the
defaults live here): ``MAIL_SERVER`` (unset: write .eml files), ``MAIL_PORT`` (25, or
465 with SSL), ``MAIL_USE_TLS`` (STARTTLS), ``MAIL_USE_SSL``, ``MAIL_USERNAME``,
``MAIL_PASSWORD``, ``MAIL_DEFAULT_SENDER``, ``MAIL_TIMEOUT`` (seconds, 10),
``MAIL_OUTBOX_KEEP_DAYS`` (30), ``MAIL_SEND_AFTER_REQUEST`` (true; false leaves all
delivery to ``send-mail``).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import Flask, after_this_request, current_app, g, has_request_context
from sqlalchemy import delete, func, inspect, select, update
from werkzeug.wrappers import Response

from advice.clock import utcnow
from advice.extensions import db
from advice.inbound.threading import OUTGOING_POLICY, thread_headers
from advice.mail.models import OutboxAttachment, OutboxMessage
from advice.mail.rendering import RenderedMail

log = logging.getLogger(__name__)

DEFAULT_SENDER = "Energi- och klimatrådgivning <noreply@example.org>"
DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_KEEP_DAYS = 30
MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=1)
# A claimed message is left alone by other senders this long; far more than one SMTP
# conversation takes, so only a sender that died mid-send lets it go again.
CLAIM_LEASE = timedelta(minutes=10)
ERROR_MAX_LENGTH = 1000


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class DeliveryReport:
    """``sent`` and ``failed`` count this run's attempts; ``pending`` is what remains."""

    sent: int = 0
    failed: int = 0
    pending: int = 0


class TransportDown(Exception):
    """The mail server cannot be reached: stop this batch, the rest waits."""


class PermanentFailure(Exception):
    """The server refused this message for good: retrying would not help."""


# Queueing ----------------------------------------------------------------------------


def queue_mail(
    to: str,
    rendered: RenderedMail,
    *,
    kind: str,
    case_id: int | None = None,
    attachments: Iterable[MailAttachment] = (),
) -> OutboxMessage:
    """Add an email to the current transaction; it is delivered after the commit."""
    message = OutboxMessage(
        to_address=to.strip(),
        subject=rendered.subject[:300],
        text_body=rendered.text,
        html_body=rendered.html,
        kind=kind,
        case_id=case_id,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        message_id=make_msgid(domain=_sender_domain()),
    )
    message.attachments = [
        OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
        for a in attachments
    ]
    db.session.add(message)
    if has_request_context():
        g.setdefault("mail_queued", []).append(message)
        deliver_after_request()
    return message


def deliver_after_request() -> None:
    """Deliver the messages this request queued once its response has been sent.

    Idempotent within a request, and a no-op outside one; ``queue_mail`` calls it. Only
    messages that were committed are sent: a request that rolled back leaves nothing
    behind to send.
    """
    if not has_request_context() or g.get("mail_delivery_hooked"):
        return
    if not current_app.config.get("MAIL_SEND_AFTER_REQUEST", True):
        return
    g.mail_delivery_hooked = True

    @after_this_request
    def hang_delivery_on_close(response: Response) -> Response:
        ids = _committed_ids(g.get("mail_queued", []))
        if ids:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            if app.config.get("REDIS_URL"):
                # With Redis a worker delivers (advice.ops.jobs); the app process goes on.
                from advice.ops.jobs import enqueue_delivery

                response.call_on_close(lambda: enqueue_delivery(app, ids))
            else:
                response.call_on_close(lambda: _deliver_in_background(app, ids))
        return response


def _committed_ids(messages: Sequence[OutboxMessage]) -> list[int]:
    # Objects that reached the database keep their identity; rolled-back ones lose it.
    # A flushed row whose request rolls back later is simply not found at delivery.
    identities = (inspect(message).identity for message in messages)
    return [identity[0] for identity in identities if identity]


def _deliver_in_background(app: Flask, ids: list[int]) -> None:
    try:
        with app.app_context():
            report = deliver_pending(ids=ids)
            if report.failed:
                log.warning("mail: %d of %d messages not delivered yet", report.failed, len(ids))
    except Exception:
        # The response is already out; the messages stay pending for send-mail.
        log.exception("mail: delivery after the request failed")


# Delivery ----------------------------------------------------------------------------


def deliver_pending(
    limit: int | None = 100,
    *,
    ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """Send the pending messages that are due, each committed on its own.

    ``limit`` bounds how many are tried (None: every one that is due); ``ids`` restricts
    the run to those messages; ``now`` fixes the clock (tests). Commits: call it with no
    unfinished work in the session.
    """
    report = DeliveryReport()
    transport = _transport(current_app)
    try:
        while limit is None or report.sent + report.failed < limit:
            current = now or utcnow()
            claimed = _claim_next(current, ids, transport)
            if claimed is None:
                break
            outbox_id, email = claimed
            try:
                transport.send(email, outbox_id)
            except TransportDown as error:
                _record_failure(outbox_id, error.__cause__ or error, current)
                report.failed += 1
                break
            except PermanentFailure as error:
                _record_failure(outbox_id, error.__cause__ or error, current, permanent=True)
                report.failed += 1
            except Exception as error:
                _record_failure(outbox_id, error, current)
                report.failed += 1
            else:
                _record_success(outbox_id, now or utcnow())
                report.sent += 1
    finally:
        transport.close()
    report.pending = _count_pending(ids)
    return report


def _claim_next(
    now: datetime, ids: Sequence[int] | None, transport: Transport
) -> tuple[int, EmailMessage] | None:
    """Take the next due message and build its email; commits the claim."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        due = due.where(OutboxMessage.id.in_(ids))
    claim = (
        update(OutboxMessage)
        .where(OutboxMessage.id == due.scalar_subquery())
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    while True:
        outbox_id = db.session.scalar(claim)
        if outbox_id is None:
            db.session.commit()
            return None
        message = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
        try:
            email = build_email(message, now, eight_bit=transport.eight_bit)  # type: ignore[arg-type]
        except Exception as error:
            # A message that cannot be built fails the same way every time.
            db.session.commit()
            _record_failure(outbox_id, error, now, permanent=True)
            continue
        # Committed before the server is contacted: no transaction stays open meanwhile.
        db.session.commit()
        return outbox_id, email


def _record_success(message_id: int, now: datetime) -> None:
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None:  # purged meanwhile
        db.session.commit()
        return
    message.status = "sent"
    message.sent_at = now
    message.last_error = None
    # The files were for the recipient; the record of the email is enough for us.
    message.attachments = []
    db.session.commit()


def _record_failure(
    message_id: int, error: BaseException, now: datetime, *, permanent: bool = False
) -> None:
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None:
        db.session.commit()
        return
    message.last_error = _describe(error)
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.error(
            "mail: giving up on message %s (%s) after %d attempts: %s",
            message.id,
            message.kind,
            message.attempts,
            message.last_error,
        )
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        log.warning(
            "mail: message %s (%s) not delivered, attempt %d: %s",
            message.id,
            message.kind,
            message.attempts,
            message.last_error,
        )
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{code} {_decode(text)}" for code, text in error.recipients.values())
        description = f"recipient refused: {answers}"
    elif isinstance(error, smtplib.SMTPResponseException):
        description = f"{type(error).__name__}: {error.smtp_code} {_decode(error.smtp_error)}"
    else:
        description = f"{type(error).__name__}: {error}"
    return description[:ERROR_MAX_LENGTH]


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _count_pending(ids: Sequence[int] | None) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    count = db.session.scalar(query) or 0
    db.session.commit()
    return count


# Building the email ------------------------------------------------------------------


def build_email(
    message: OutboxMessage, now: datetime | None = None, *, eight_bit: bool = False
) -> EmailMessage:
    """The MIME message: text with an HTML alternative, then the attachments.

    ``eight_bit`` leaves the text parts readable as they are (for .eml files a developer
    opens in an editor); SMTP gets quoted-printable, which every server accepts.
    """
    encoding = "8bit" if eight_bit else "quoted-printable"
    # SMTP's policy, but In-Reply-To and References are never written as encoded words.
    email = EmailMessage(policy=OUTGOING_POLICY)
    email["Subject"] = message.subject
    email["From"] = _sender()
    email["To"] = message.to_address
    email["Date"] = format_datetime(now or utcnow())
    email["Message-ID"] = message.message_id
    # Reply-To with the case's signed address, In-Reply-To and References for mail about
    # a case, and "auto-replied" for our automatic answers to inbound mail (advice.inbound).
    thread = thread_headers(message)
    # RFC 3834: an automatic message; well-behaved autoresponders do not answer it.
    email["Auto-Submitted"] = thread.pop("Auto-Submitted", "auto-generated")
    for name, value in thread.items():
        email[name] = value
    email.set_content(message.text_body, charset="utf-8", cte=encoding)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html", charset="utf-8", cte=encoding)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def _sender() -> str:
    return str(current_app.config.get("MAIL_DEFAULT_SENDER") or DEFAULT_SENDER)


def _sender_domain() -> str:
    address = parseaddr(_sender())[1]
    return address.rpartition("@")[2] or "localhost"


# Transports --------------------------------------------------------------------------


class Transport:
    eight_bit = False

    def send(self, email: EmailMessage, outbox_id: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the transport holds; called once after a batch."""


class FileTransport(Transport):
    """Writes each email to ``<instance>/outbox/<UTC time>-<id>.eml`` for development."""

    eight_bit = True

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, email: EmailMessage, outbox_id: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}-{outbox_id}.eml"
        # Written under a temporary name and renamed: a reader never sees half an email.
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(email.as_bytes())
        temporary.replace(path)


class SmtpTransport(Transport):
    """One connection for the whole batch, opened on the first message."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.host = str(config["MAIL_SERVER"])
        self.use_ssl = bool(config.get("MAIL_USE_SSL", False))
        self.use_tls = bool(config.get("MAIL_USE_TLS", False))
        self.port = int(config.get("MAIL_PORT") or (465 if self.use_ssl else 25))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.timeout = float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS)
        sender = str(config.get("MAIL_DEFAULT_SENDER") or DEFAULT_SENDER)
        self.envelope_sender = parseaddr(sender)[1]
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.use_ssl:
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls and not self.use_ssl:
                connection.starttls(context=context)
            if self.username:
                connection.login(str(self.username), str(self.password or ""))
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, email: EmailMessage, outbox_id: int) -> None:
        # smtplib's exceptions are all OSErrors; the order of these clauses matters.
        try:
            if self.connection is None:
                self.connection = self._connect()
            self.connection.send_message(
                email, from_addr=self.envelope_sender, to_addrs=[str(email["To"])]
            )
        except smtplib.SMTPRecipientsRefused as error:
            # 5xx: the address does not exist or is refused for good (a typo, usually).
            if all(code >= 500 for code, _answer in error.recipients.values()):
                raise PermanentFailure(str(error)) from error
            raise
        except smtplib.SMTPDataError:
            # This message was refused (451 try later, 552 too big); smtplib has reset
            # the session, so the connection serves the next message.
            raise
        except OSError as error:
            # Refused, timed out, disconnected, TLS or login failed, our sender refused:
            # every other message would meet the same, so the batch stops here.
            self.close()
            raise TransportDown(str(error)) from error

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except OSError:
            self.connection.close()
        self.connection = None


def _transport(app: Flask) -> Transport:
    if app.config.get("MAIL_SERVER"):
        return SmtpTransport(app.config)
    if app.config.get("ENV") == "production":
        log.warning("mail: MAIL_SERVER is not set; emails are written to the outbox folder")
    return FileTransport(Path(app.instance_path) / "outbox")


# Housekeeping ------------------------------------------------------------------------


def purge_old_messages(now: datetime | None = None) -> int:
    """Delete sent and failed messages older than ``MAIL_OUTBOX_KEEP_DAYS``; flushes."""
    keep_days = int(current_app.config.get("MAIL_OUTBOX_KEEP_DAYS") or DEFAULT_KEEP_DAYS)
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    old = select(OutboxMessage.id).where(
        OutboxMessage.status.in_(("sent", "failed")), OutboxMessage.created_at < cutoff
    )
    ids = list(db.session.scalars(old))
    return _delete_messages(ids)


def forget_case_mail(case_id: int) -> int:
    """Delete every outbox message of a case (anonymisation, erasure); flushes."""
    ids = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.case_id == case_id)))
    return _delete_messages(ids)


def _delete_messages(ids: list[int]) -> int:
    if not ids:
        return 0
    # Bulk deletes bypass the ORM cascade; the attachments go first, explicitly.
    db.session.execute(
        delete(OutboxAttachment).where(OutboxAttachment.outbox_message_id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    return len(ids)
