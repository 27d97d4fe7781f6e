"""Email: rendering in the recipient's language, the outbox, delivery and notifications."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from advice.accounts.models import User
from advice.cases.models import Case
from advice.clock import utcnow
from advice.extensions import db
from advice.mail import services
from advice.mail.models import OutboxAttachment, OutboxMessage
from advice.mail.notifications import (
    mail_case_received,
    mail_case_resolved,
    mail_reply,
    notify_new_case,
    notify_transferred,
    send_daily_digests,
)
from advice.mail.rendering import paragraphs, render_mail
from advice.mail.services import MailAttachment, deliver_pending, queue_mail
from advice.regions.models import Office
from tests.factories import new_case

REPOSITORY = Path(__file__).resolve().parent.parent
PROJECT_CATALOGUE = REPOSITORY / "advice/translations/en/LC_MESSAGES/messages.po"
TRACKING_URL = "https://advice.example.org/track/secret-token"

# The requester's personal data in tests.factories.new_case.
REQUESTER_NAME = "Åsa Öberg"
REQUESTER_EMAIL = "asa.oberg@example.com"
REQUESTER_PHONE = "070-123 45 67"
QUESTION_WORDS = "direktverkande el"

# Words of the Swedish mail texts; none may be left in an English email. (The office's
# name is data, and stays Swedish.)
SWEDISH_WORDS = re.compile(r"\b(Hej|ärende|ärendet|fråga|frågan|Tack|Kontakt|Svara|nöjd|senast)\b")


def _english_only(text: str) -> str:
    return text.replace("Energi- och klimatrådgivningen Stockholm", "")


# Translations --------------------------------------------------------------------------


def _mail_msgids() -> set[str]:
    """Every msgid in the mail templates and the mail package (singular forms)."""
    jinja_options = {"trim_blocks": "true", "lstrip_blocks": "true"}
    found: set[str] = set()
    for pattern in ("mail/**.txt", "mail/**.html"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPOSITORY / "templates", [(pattern, "jinja2")], {pattern: jinja_options}
        ):
            found.add(message if isinstance(message, str) else message[0])
    for _file, _line, message, _comments, _context in extract_from_dir(
        REPOSITORY / "advice/mail", [("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _translated(catalogue: Any, msgid: str) -> bool:
    entry = catalogue.get(msgid)
    if entry is None or entry.fuzzy:
        return False
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(strings)


def test_every_mail_string_has_an_english_translation() -> None:
    with PROJECT_CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    untranslated = sorted(msgid for msgid in _mail_msgids() if not _translated(catalogue, msgid))
    assert untranslated == []


# Helpers ---------------------------------------------------------------------------------


def _outbox(app: Flask) -> Path:
    return Path(app.instance_path) / "outbox"


def _eml_files(app: Flask) -> list[Path]:
    folder = _outbox(app)
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Receipt:
    case_id: int
    reference: str
    case_version: int
    message_id: int


def _queue_receipt(app: Flask, **case_fields: Any) -> Receipt:
    """A new case and its receipt email, committed."""
    with app.app_context():
        case = new_case(**case_fields).case
        message = mail_case_received(case, TRACKING_URL)
        assert message is not None
        db.session.commit()
        return Receipt(case.id, case.reference, case.version, message.id)


class RecordingHandler:
    """An aiosmtpd handler that keeps what it accepts, or answers as told."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.data_answer = "250 Message accepted"
        self.rcpt_answer: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answer.startswith("250"):
            self.received.append(envelope)
        return self.data_answer


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[RecordingHandler]:
    """A real SMTP server on a free local port, and the app configured to use it."""
    handler = RecordingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    yield handler
    controller.stop()


# Delivery to .eml files ------------------------------------------------------------------


def test_without_mail_server_the_email_is_written_once_as_eml_with_utf8_subject_and_both_parts(
    app: Flask,
) -> None:
    receipt = _queue_receipt(app)

    with app.app_context():
        report = deliver_pending()
        again = deliver_pending()

    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    assert (again.sent, again.failed) == (0, 0)
    files = _eml_files(app)
    assert len(files) == 1
    assert re.fullmatch(rf"\d{{8}}T\d{{12}}Z-{receipt.message_id}\.eml", files[0].name)
    raw = files[0].read_bytes()
    assert b"\xc3" not in raw.split(b"\r\n\r\n", 1)[0]  # headers are 7-bit, encoded
    email = _parse(raw)
    assert email["Subject"] == f"Ärende {receipt.reference}: vi har tagit emot din fråga"
    assert email["To"] == REQUESTER_EMAIL
    assert email["From"].addresses[0].display_name == "Energi- och klimatrådgivning"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Message-ID"] and email["Date"]
    text, html = _parts(email)
    assert TRACKING_URL in text and receipt.reference in text
    assert "Vi funderar på att byta direktverkande el" in text
    assert f'href="{TRACKING_URL}"' in html
    assert '<html lang="sv">' in html
    with app.app_context():
        stored = db.session.get(OutboxMessage, receipt.message_id)
        assert (stored.status, stored.attempts) == ("sent", 1)
        assert stored.sent_at is not None


def test_html_part_escapes_the_requesters_text_and_keeps_its_line_breaks(app: Flask) -> None:
    with app.app_context():
        created = new_case(question="Hej <script>alert('x')</script>\nrad två\n\nNytt stycke & mer")
        message = mail_case_received(created.case, TRACKING_URL)
        html = message.html_body

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>\nrad två</p>" in html
    assert "<p>Nytt stycke &amp; mer</p>" in html
    assert "Hej <script>alert('x')</script>\nrad två" in message.text_body


# Delivery through SMTP ---------------------------------------------------------------------


def test_smtp_delivery_keeps_swedish_subject_sender_parts_and_attachment_name(
    app: Flask, smtp_server: RecordingHandler
) -> None:
    pdf = b"%PDF-1.4\n% sammanfattning\n"
    with app.app_context():
        rendered = render_mail(
            "reply",
            "sv",
            recipient_name="Åsa",
            reference="EK-2026-00042",
            tracking_url=TRACKING_URL,
            office=db.session.scalars(select(Office).where(Office.code == "stockholm")).one(),
            reply_text="Värmepumpar för småhus: läs mer i bifogad sammanfattning.",
            adviser_name="Örjan Älvdal",
        )
        message = queue_mail(
            "mottagare@example.org",
            rendered,
            kind="reply",
            attachments=[
                MailAttachment("Sammanfattning för Åsa Öberg.pdf", "application/pdf", pdf)
            ],
        )
        db.session.commit()
        message_id = message.id
        report = deliver_pending()
        stored = db.session.get(OutboxMessage, message_id)
        attachments_left = db.session.scalar(select(func.count()).select_from(OutboxAttachment))

    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    assert stored.status == "sent" and stored.last_error is None
    assert attachments_left == 0  # delivered files are not kept
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    assert envelope.mail_from == "noreply@example.org"
    assert envelope.rcpt_tos == ["mottagare@example.org"]
    email = _parse(envelope.original_content)
    assert email["Subject"] == "Ärende EK-2026-00042: svar från energi- och klimatrådgivningen"
    assert str(email["From"]) == "Energi- och klimatrådgivning <noreply@example.org>"
    assert email["To"] == "mottagare@example.org"
    assert email["Message-ID"] == stored.message_id
    text, html = _parts(email)
    assert "Värmepumpar för småhus" in text and "Örjan Älvdal" in text
    assert "Värmepumpar för småhus" in html
    (attachment,) = list(email.iter_attachments())
    assert attachment.get_filename() == "Sammanfattning för Åsa Öberg.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


@pytest.mark.parametrize("failure", ["nothing_listening", "try_later"])
def test_failed_send_keeps_message_pending_for_a_retry_and_leaves_the_case_alone(
    app: Flask, failure: str, request: pytest.FixtureRequest
) -> None:
    if failure == "nothing_listening":
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    else:
        handler = request.getfixturevalue("smtp_server")
        handler.data_answer = "451 4.3.0 Try again later"
    receipt = _queue_receipt(app)
    before = utcnow()

    with app.app_context():
        report = deliver_pending()
        message = db.session.get(OutboxMessage, receipt.message_id)
        case = db.session.get(Case, receipt.case_id)

        assert (report.sent, report.failed, report.pending) == (0, 1, 1)
        assert message.status == "pending"
        assert message.attempts == 1
        assert before + timedelta(seconds=50) < message.next_attempt_at
        assert message.next_attempt_at <= utcnow() + timedelta(minutes=1)
        assert message.last_error
        assert (
            "451" in message.last_error
            if failure == "try_later"
            else "Connection" in message.last_error
        )
        assert message.case_id == receipt.case_id
        assert (case.status, case.version) == ("new", receipt.case_version)
        # Not due yet: a second run leaves it alone.
        assert deliver_pending().failed == 0
    assert _eml_files(app) == []


def test_send_mail_command_retries_a_failed_message_once_the_server_answers(
    app: Flask, runner: FlaskCliRunner, smtp_server: RecordingHandler
) -> None:
    smtp_server.data_answer = "451 4.3.0 Try again later"
    message_id = _queue_receipt(app).message_id
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "sent 0, failed 1, pending 1" in result.output

    smtp_server.data_answer = "250 OK"
    with app.app_context():
        db.session.get(OutboxMessage, message_id).next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0, pending 0" in result.output
    assert len(smtp_server.received) == 1
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts) == ("sent", 2)


def test_retries_back_off_exponentially_up_to_an_hour() -> None:
    minutes = [services.backoff(attempt).total_seconds() / 60 for attempt in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_message_is_marked_failed_after_the_last_attempt(app: Flask) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    message_id = _queue_receipt(app).message_id
    with app.app_context():
        db.session.get(OutboxMessage, message_id).attempts = services.MAX_ATTEMPTS - 1
        db.session.commit()
        report = deliver_pending()
        message = db.session.get(OutboxMessage, message_id)
        assert (report.failed, report.pending) == (1, 0)
        assert (message.status, message.attempts) == ("failed", services.MAX_ATTEMPTS)


def test_recipient_refused_for_good_fails_at_once_and_the_next_message_still_goes(
    app: Flask, smtp_server: RecordingHandler
) -> None:
    first_id = _queue_receipt(app).message_id
    smtp_server.rcpt_answer = "550 5.1.1 No such user"
    with app.app_context():
        report = deliver_pending()
        first = db.session.get(OutboxMessage, first_id)
        assert (report.sent, report.failed) == (0, 1)
        assert (first.status, first.attempts) == ("failed", 1)
        assert "550" in first.last_error

    smtp_server.rcpt_answer = None
    second_id = _queue_receipt(app).message_id
    with app.app_context():
        assert deliver_pending().sent == 1
        assert db.session.get(OutboxMessage, second_id).status == "sent"


def test_two_senders_at_once_send_each_message_exactly_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        rendered = render_mail(
            "reply",
            "sv",
            recipient_name=None,
            reference="EK-2026-00001",
            tracking_url=TRACKING_URL,
            office=db.session.scalars(select(Office).where(Office.code == "stockholm")).one(),
            reply_text="Svar",
            adviser_name=None,
        )
        for n in range(12):
            queue_mail(f"r{n}@example.org", rendered, kind="reply")
        db.session.commit()
        ids = {message.id for message in db.session.scalars(select(OutboxMessage))}

    sent: list[int] = []
    lock = threading.Lock()

    def slow_send(self: Any, email: EmailMessage, outbox_id: int) -> None:
        time.sleep(0.01)  # long enough for the other sender to look for work meanwhile
        with lock:
            sent.append(outbox_id)

    monkeypatch.setattr(services.FileTransport, "send", slow_send)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                deliver_pending(None)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(sent) == sorted(ids)
    with app.app_context():
        statuses = set(db.session.scalars(select(OutboxMessage.status)))
        assert statuses == {"sent"}


# Delivery after the request --------------------------------------------------------------


def _add_intake_route(app: Flask, *, fail_after_queueing: bool = False) -> None:
    def submit() -> str:
        created = new_case()
        mail_case_received(created.case, TRACKING_URL)
        if fail_after_queueing:
            raise RuntimeError("the request fails after queueing")
        db.session.commit()
        return created.case.reference

    submit.is_public = True  # type: ignore[attr-defined]
    app.add_url_rule("/test-intake", "test_intake", submit, methods=["POST"])


def test_mail_queued_in_a_request_is_delivered_after_the_response(app: Flask) -> None:
    _add_intake_route(app)
    client = app.test_client()

    response = client.post("/test-intake")
    reference = response.get_data(as_text=True)
    response.close()

    assert response.status_code == 200
    (eml,) = _eml_files(app)
    assert _parse(eml.read_bytes())["Subject"].startswith(f"Ärende {reference}")


def test_a_request_that_fails_after_queueing_sends_nothing(app: Flask) -> None:
    _add_intake_route(app, fail_after_queueing=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()

    response = client.post("/test-intake")
    response.close()

    assert response.status_code == 500
    assert _eml_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# Notifications to advisers ---------------------------------------------------------------


def _set_notify(app: Flask, user: Any, preference: str, *, active: bool = True) -> None:
    with app.app_context():
        stored = db.session.get(User, user.id)
        stored.notify = preference
        stored.active = active
        db.session.commit()


def test_new_case_notification_reaches_only_the_offices_advisers_who_chose_each_case(
    app: Flask, make_user: Any
) -> None:
    wanted = make_user(email="each@example.org", offices=("stockholm",))
    english = make_user(email="each-en@example.org", offices=("stockholm",), language="en")
    daily = make_user(email="daily@example.org", offices=("stockholm",))
    _set_notify(app, daily, "daily")
    silent = make_user(email="none@example.org", offices=("stockholm",))
    _set_notify(app, silent, "none")
    gone = make_user(email="inactive@example.org", offices=("stockholm",))
    _set_notify(app, gone, "each", active=False)
    make_user(email="other-office@example.org", offices=("norrort",))
    make_user(email="coordinator@example.org", roles=("coordinator",), offices=("stockholm",))

    with app.app_context():
        case = new_case().case
        messages = notify_new_case(case)
        db.session.commit()
        reference = case.reference
        recipients = {message.to_address: message for message in messages}

        assert set(recipients) == {wanted.email, english.email}
        swedish = recipients[wanted.email]
        assert swedish.subject == f"Nytt ärende {reference} – Stockholm"
        assert swedish.kind == "new_case_notification" and swedish.case_id == case.id
        assert f"/cases/{reference}" in swedish.text_body
        assert "Logga in" in swedish.text_body
        in_english = recipients[english.email]
        assert reference in in_english.subject and "Stockholm" in in_english.subject
        assert not SWEDISH_WORDS.search(_english_only(in_english.text_body))
        for message in messages:
            for body in (message.subject, message.text_body, message.html_body):
                for personal in (REQUESTER_NAME, "Åsa", REQUESTER_EMAIL, REQUESTER_PHONE):
                    assert personal not in body
                assert QUESTION_WORDS not in body


def test_adviser_who_logged_the_case_is_not_notified_of_it(app: Flask, make_user: Any) -> None:
    logger = make_user(email="logger@example.org")
    colleague = make_user(email="colleague@example.org")
    with app.app_context():
        case = new_case(channel_code="phone", created_by_id=logger.id).case
        recipients = {message.to_address for message in notify_new_case(case)}
    assert recipients == {colleague.email}


def test_transfer_notification_goes_to_the_receiving_office(app: Flask, make_user: Any) -> None:
    make_user(email="stockholm@example.org", offices=("stockholm",))
    receiver = make_user(email="norrort@example.org", offices=("norrort",))
    with app.app_context():
        case = new_case().case
        from_office = case.office
        case.office = db.session.scalars(select(Office).where(Office.code == "norrort")).one()
        db.session.flush()
        messages = notify_transferred(case, from_office)

        assert [message.to_address for message in messages] == [receiver.email]
        assert messages[0].subject == (
            f"Ärende {case.reference} har flyttats till Energi- och klimatrådgivningen Norrort"
        )
        assert "från Energi- och klimatrådgivningen Stockholm" in messages[0].text_body
        assert QUESTION_WORDS not in messages[0].text_body
        assert REQUESTER_EMAIL not in messages[0].html_body


def test_daily_digest_lists_the_new_unassigned_cases_for_advisers_who_chose_it(
    app: Flask, make_user: Any, runner: FlaskCliRunner
) -> None:
    daily = make_user(email="daily@example.org", offices=("stockholm",))
    _set_notify(app, daily, "daily")
    make_user(email="each@example.org", offices=("stockholm",))
    elsewhere = make_user(email="daily-norrort@example.org", offices=("norrort",))
    _set_notify(app, elsewhere, "daily")
    with app.app_context():
        fresh = new_case().case.reference
        old = new_case(received_at=utcnow() - timedelta(hours=30)).case.reference
        taken = new_case().case
        taken.status, taken.assignee_id = "assigned", daily.id
        taken_reference = taken.reference
        db.session.commit()

    app.config.update(SERVER_NAME="advice.example.org", PREFERRED_URL_SCHEME="https")
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert "queued 1 digests" in result.output
    again = runner.invoke(args=["send-digests"])
    assert "queued 0 digests" in again.output

    with app.app_context():
        (digest,) = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "daily_digest")
        )
        assert digest.to_address == daily.email
        assert digest.status == "sent"
        assert digest.subject == "Ett nytt ärende att ta hand om"
        assert f"https://advice.example.org/cases/{fresh}" in digest.text_body
        assert f'href="https://advice.example.org/cases/{fresh}"' in digest.html_body
        assert old not in digest.text_body
        assert taken_reference not in digest.text_body
        assert "Uppvärmning och värmepumpar" in digest.text_body
        assert QUESTION_WORDS not in digest.text_body and REQUESTER_EMAIL not in digest.text_body
        assert send_daily_digests() == 0


# Requester emails --------------------------------------------------------------------------


def test_requester_emails_are_in_english_when_the_case_is(app: Flask) -> None:
    # The wording belongs to the translators; this checks the language, not the phrasing.
    with app.app_context():
        case = new_case(language="en").case
        received = mail_case_received(case, TRACKING_URL)
        reply = mail_reply(case, "Try a heat pump.", TRACKING_URL, adviser_name="Örjan")
        resolved = mail_case_resolved(
            case,
            TRACKING_URL,
            {score: f"{TRACKING_URL}/satisfaction/{score}" for score in range(1, 6)},
        )
        due_month = case.first_response_due_at.strftime("%B")  # English month name

        messages = (received, reply, resolved)
        assert [m.kind for m in messages] == ["case_received", "reply", "case_resolved"]
        for message in messages:
            assert message.subject.startswith(f"Case {case.reference}")
            assert message.to_address == REQUESTER_EMAIL
            assert message.case_id == case.id
            assert '<html lang="en">' in message.html_body
            for body in (message.subject, message.text_body, message.html_body):
                assert not SWEDISH_WORDS.search(_english_only(body)), body
        assert due_month in received.text_body
        assert "Thank you" in received.text_body
        assert "Try a heat pump." in reply.text_body and "Örjan" in reply.text_body
        for score in range(1, 6):
            assert f"{TRACKING_URL}/satisfaction/{score}" in resolved.text_body
            assert f'href="{TRACKING_URL}/satisfaction/{score}"' in resolved.html_body


def test_requester_emails_are_swedish_by_default_even_from_an_english_session(
    app: Flask,
) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        case = new_case().case
        message = mail_case_received(case, TRACKING_URL)
    assert message.subject.startswith(f"Ärende {case.reference}")
    assert "Tack för din fråga" in message.text_body


def test_a_case_without_an_email_address_gets_no_requester_email(app: Flask) -> None:
    with app.app_context():
        case = new_case(contact=None).case
        assert mail_case_received(case, TRACKING_URL) is None
        assert mail_reply(case, "Svar", TRACKING_URL) is None
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# Housekeeping ------------------------------------------------------------------------------


def test_send_mail_purges_old_delivered_messages_but_keeps_pending_ones(
    app: Flask, runner: FlaskCliRunner
) -> None:
    old_id = _queue_receipt(app).message_id
    with app.app_context():
        deliver_pending()
        old = db.session.get(OutboxMessage, old_id)
        old.created_at = utcnow() - timedelta(days=services.DEFAULT_KEEP_DAYS + 1)
        db.session.commit()
    waiting_id = _queue_receipt(app).message_id
    with app.app_context():
        waiting = db.session.get(OutboxMessage, waiting_id)
        waiting.created_at = utcnow() - timedelta(days=services.DEFAULT_KEEP_DAYS + 1)
        waiting.next_attempt_at = utcnow() + timedelta(minutes=30)
        db.session.commit()

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(OutboxMessage, old_id) is None
        assert db.session.get(OutboxMessage, waiting_id).status == "pending"


def test_forgetting_a_case_removes_its_emails(app: Flask) -> None:
    receipt = _queue_receipt(app)
    with app.app_context():
        assert services.forget_case_mail(receipt.case_id) == 1
        db.session.commit()
        assert db.session.get(OutboxMessage, receipt.message_id) is None


def test_user_text_is_escaped_and_its_web_addresses_become_links():
    html = str(
        paragraphs(
            'Läs <b>här</b>: https://kb.example.org/kb/varmepump?a=1&b="2".\n\n'
            "Inga gissningar: www.example.org, rad@example.org, javascript:alert(1)"
        )
    )
    assert html == (
        "<p>Läs &lt;b&gt;här&lt;/b&gt;: "
        '<a href="https://kb.example.org/kb/varmepump?a=1&amp;b=&#34;2&#34;" '
        'rel="noopener noreferrer">https://kb.example.org/kb/varmepump?a=1&amp;b=&#34;2&#34;</a>.'
        "</p>\n<p>Inga gissningar: www.example.org, rad@example.org, javascript:alert(1)</p>"
    )
