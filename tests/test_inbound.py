"""Email in, against a real IMAP server (Dovecot): cases, replies, loops, crashes, quarantine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from advice.cases.models import Attachment, Case, CaseEntry, Contact
from advice.clock import utcnow
from advice.extensions import db
from advice.inbound import services
from advice.inbound.models import InboundMessage
from advice.inbound.services import fetch_and_process, receive_message
from advice.inbound.threading import reply_address, reply_token
from advice.mail.models import OutboxMessage
from advice.mail.services import build_email, deliver_pending
from advice.regions.models import Municipality, Office
from tests.dovecot import Dovecot, running_dovecot
from tests.factories import new_case

CORPUS = Path(__file__).parent / "mail_corpus"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    yield from running_dovecot()


@pytest.fixture
def app_config(dovecot: Dovecot) -> dict[str, Any]:
    return {
        "INBOUND_MAILBOXES": [dovecot.mailbox("stockholm"), dovecot.mailbox("sodertorn")],
        "MAIL_SEND_AFTER_REQUEST": False,
    }


@pytest.fixture(autouse=True)
def empty_mailboxes(dovecot: Dovecot) -> None:
    for user in ("stockholm", "sodertorn"):
        dovecot.empty(user)


# Helpers ----------------------------------------------------------------------------------


def corpus(name: str, **values: str) -> bytes:
    """A corpus message with its {{PLACEHOLDERS}} filled in."""
    raw = (CORPUS / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(b"{{" + key.upper().encode() + b"}}", value.encode())
    return raw


def fetch(app: Flask) -> services.FetchReport:
    with app.app_context():
        return fetch_and_process()


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def built_bytes(app: Flask, outbox_id: int) -> bytes:
    """The email as the outbox would send it."""
    with app.app_context():
        message = db.session.get(OutboxMessage, outbox_id)
        return bytes(build_email(message))


def built(app: Flask, outbox_id: int) -> EmailMessage:
    return parse(built_bytes(app, outbox_id))


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def inbound_records(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [
            (record.status, record.reason)
            for record in db.session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        ]


def open_case(app: Flask, *, resolved: bool = False, **fields: Any) -> dict[str, Any]:
    """Åsa Öberg's web case (tests.factories), with its signed reply address."""
    with app.app_context():
        case = new_case(**fields).case
        if resolved:
            case.status = "resolved"
            case.resolved_at = utcnow()
        db.session.commit()
        return {
            "id": case.id,
            "reference": case.reference,
            "reply_to": reply_address(case),
            "token": reply_token(case),
        }


def handled_flags(dovecot: Dovecot, user: str = "stockholm") -> list[bool]:
    return ["$AdviceHandled" in flags for flags in dovecot.flags(user)]


# New questions ----------------------------------------------------------------------------


def test_outlook_question_becomes_an_email_case_with_its_pdf_and_an_auto_replied_receipt(
    app: Flask, dovecot: Dovecot
) -> None:
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))

    report = fetch(app)

    assert (report.fetched, report.new_cases, report.errors) == (1, 1, [])
    assert handled_flags(dovecot) == [True]
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.channel.code == "email"
        assert case.office.code == "stockholm"
        # The Stockholm office covers one municipality, so the municipality is known.
        assert case.municipality.code == "0180"
        assert case.status == "new" and case.language == "sv"
        assert case.contact.name == "Björn Lindström"
        assert case.contact.email == "bjorn.lindstrom@example.net"
        assert case.question.startswith("Fråga om bergvärme och solceller\n\nHej!")
        assert [(a.filename, a.content_type) for a in case.attachments] == [
            ("Elräkning januari.pdf", "application/pdf")
        ]
        record = db.session.scalars(select(InboundMessage)).one()
        assert (record.status, record.reason, record.case_id) == ("processed", "new_case", case.id)
        assert record.raw is None
        receipt = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "case_received")
        ).one()
        assert receipt.to_address == "bjorn.lindstrom@example.net"
        assert record.answer_outbox_id == receipt.id
        receipt_id, reference = receipt.id, case.reference
    raw = built_bytes(app, receipt_id)
    email = parse(raw)
    assert email["Auto-Submitted"] == "auto-replied"
    outlook_id = (
        "<AM9PR07MB71234A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5@AM9PR07MB7123.eurprd07.prod.outlook.com>"
    )
    assert email["In-Reply-To"] == outlook_id
    # Written as it is, never as RFC 2047 encoded words that no mail client would match.
    assert f"\r\nIn-Reply-To: {outlook_id}\r\n".encode() in raw
    assert f"\r\nReferences: {outlook_id}\r\n".encode() in raw
    assert re.fullmatch(
        rf"energiradgivning\.stockholm\+{reference}\.[a-z2-7]{{16}}@example\.org",
        str(email["Reply-To"]),
    )


def test_the_receiving_address_chooses_the_office_and_an_open_municipality_is_left_open(
    app: Flask, dovecot: Dovecot
) -> None:
    # Mail to Södertörn's mailbox, and mail to Norrort's address that Stockholm's
    # mailbox happened to receive: each goes to the office of its address.
    dovecot.append("sodertorn", corpus("forwarded_thread.eml"))
    dovecot.append("stockholm", corpus("iso_8859_1_question.eml"))

    report = fetch(app)

    assert report.new_cases == 2
    with app.app_context():
        cases = {c.contact.email: c for c in db.session.scalars(select(Case))}
        karin = cases["karin.nystrom@example.se"]
        assert karin.office.code == "sodertorn"
        assert karin.municipality_id is None  # six municipalities: the adviser decides
        assert "1 240 000 kr inklusive montering" in karin.question  # the forward is kept
        goran = cases["goran.astrom@example.se"]
        assert goran.office.code == "norrort" and goran.municipality_id is None
        assert goran.contact.name == "Göran Åström"
        assert "vår gamla oljepanna måste bytas" in goran.question
        assert "Slättgatan" not in goran.question  # the signature is folded away
        folded = db.session.scalar(
            select(InboundMessage.folded_text).where(InboundMessage.case_id == goran.id)
        )
        assert "Slättgatan 4, Täby" in folded


def test_a_known_contacts_municipality_is_reused_when_the_office_has_several(
    app: Flask, dovecot: Dovecot
) -> None:
    with app.app_context():
        haninge = db.session.scalar(select(Municipality.id).where(Municipality.code == "0136"))
        new_case(
            municipality_code="0136",
            contact=_contact("Karin Nyström", "karin.nystrom@example.se"),
        )
        db.session.commit()
    dovecot.append("sodertorn", corpus("forwarded_thread.eml"))

    fetch(app)

    with app.app_context():
        newest = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert newest.channel.code == "email"
        assert newest.municipality_id == haninge
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


def _contact(name: str, email: str) -> Any:
    from advice.cases.contacts import ContactDetails

    return ContactDetails(name=name, email=email, phone=None)


def test_encodings_html_and_english_mail_become_clean_cases(app: Flask, dovecot: Dovecot) -> None:
    for name in ("windows_1252_qp.eml", "html_only_script.eml", "english_flowed_base64.eml"):
        dovecot.append("stockholm", corpus(name))

    report = fetch(app)

    assert report.new_cases == 3
    with app.app_context():
        cases = {c.contact.email: c for c in db.session.scalars(select(Case))}
        per = cases["per.ostlund@example.se"]
        assert per.contact.name == "Per Östlund"
        assert per.question.startswith("Elavtal – fast eller rörligt pris?")
        assert "”fast pris”" in per.question and "€" in per.question
        maja = cases["maja.ek@example.com"]
        for forbidden in ("alert", "script", "javascript", "onclick", "tracker", "<"):
            assert forbidden not in maja.question
        assert "Jag undrar om tilläggsisolering av vinden lönar sig än." in maja.question
        emily = cases["emily.carter@example.co.uk"]
        assert emily.language == "en" and emily.contact.language == "en"
        receipt = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to_address == "emily.carter@example.co.uk",
                OutboxMessage.kind == "case_received",
            )
        ).one()
        assert "Ärende" not in receipt.subject


# Replies -----------------------------------------------------------------------------------


def test_a_gmail_reply_to_the_signed_address_lands_in_its_resolved_case_and_reopens_it(
    app: Flask, dovecot: Dovecot
) -> None:
    case = open_case(app, resolved=True)
    dovecot.append(
        "stockholm",
        corpus(
            "gmail_reply.eml",
            reply_to=case["reply_to"],
            reference=case["reference"],
            our_message_id="unknown.1@example.org",
        ),
    )

    report = fetch(app)

    assert (report.replies, report.new_cases) == (1, 0)
    with app.app_context():
        stored = db.session.get(Case, case["id"])
        assert stored.status == "new"  # reopened; unassigned, so back in the queue
        message = [e for e in stored.entries if e.kind == "citizen_message"][-1]
        assert message.is_public
        assert message.body == (
            "Tack för svaret! Vi har en frånluftsvärmepump i dag (en Nibe F750 från 2009).\n"
            "Räcker det med en luft/vatten-värmepump eller bör vi borra?\n\nHälsningar\nÅsa"
        )
        record = db.session.scalars(select(InboundMessage)).one()
        assert (record.reason, record.entry_id) == ("reply", message.id)
        assert "> Bergvärme ger lägst driftkostnad" in record.folded_text
        assert message.details == {"channel": "email", "inbound_message_id": record.id}
        # No receipt for a reply: nothing goes back to the requester automatically.
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_iphone_reply_with_a_mangled_subject_brings_its_photo(
    app: Flask, dovecot: Dovecot
) -> None:
    case = open_case(app)
    dovecot.append(
        "stockholm",
        corpus("iphone_reply.eml", reply_to=case["reply_to"], our_message_id="x.1@example.org"),
    )

    fetch(app)

    with app.app_context():
        stored = db.session.get(Case, case["id"])
        message = [e for e in stored.entries if e.kind == "citizen_message"][-1]
        assert message.body == "Här är en bild på elmätaren, som ni bad om."
        photo = db.session.scalars(select(Attachment)).one()
        assert (photo.case_id, photo.entry_id) == (case["id"], message.id)
        assert (photo.filename, photo.content_type) == ("IMG_0042.jpeg", "image/jpeg")
        assert photo.uploaded_by_requester


def test_an_outlook_reply_keeps_the_pdf_and_names_the_refused_program_in_a_note(
    app: Flask, dovecot: Dovecot
) -> None:
    case = open_case(app, contact=_contact("Björn Lindström", "bjorn.lindstrom@example.net"))
    dovecot.append(
        "stockholm",
        corpus("outlook_reply.eml", reply_to=case["reply_to"], our_message_id="x.2@example.org"),
    )

    fetch(app)

    with app.app_context():
        stored = db.session.get(Case, case["id"])
        assert [a.filename for a in stored.attachments] == ["Offert bergvarme.pdf"]
        note = [e for e in stored.entries if e.kind == "note"][-1]
        assert not note.is_public and "faktura.exe" in note.body
        record = db.session.scalars(select(InboundMessage)).one()
        assert record.details["attachments_stored"] == 1
        assert record.details["attachments_refused"][0]["filename"] == "faktura.exe"


def test_a_reply_without_the_token_threads_by_references_only_from_the_requester(
    app: Flask, dovecot: Dovecot
) -> None:
    case = open_case(app)
    with app.app_context():
        from advice.mail.notifications import mail_case_received

        receipt = mail_case_received(db.session.get(Case, case["id"]), "https://x/track/t")
        db.session.commit()
        our_id = receipt.message_id.strip("<>")
    plain_address = "energiradgivning.stockholm@example.org"
    reply = corpus(
        "gmail_reply.eml",
        reply_to=plain_address,
        reference=case["reference"],
        our_message_id=our_id,
    )
    stranger = reply.replace(b"asa.oberg@example.com", b"mallory@example.net").replace(
        b"<CAJx7H1q9rW", b"<other-CAJx7H1q9rW"
    )
    dovecot.append("stockholm", reply)
    dovecot.append("stockholm", stranger)

    report = fetch(app)

    assert (report.replies, report.new_cases) == (1, 1)
    with app.app_context():
        mallory = db.session.scalars(
            select(Case).join(Contact).where(Contact.email == "mallory@example.net")
        ).one()
        assert mallory.id != case["id"]


def test_a_follow_up_to_the_requesters_own_message_joins_the_case(
    app: Flask, dovecot: Dovecot
) -> None:
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))
    fetch(app)
    dovecot.append("stockholm", corpus("follow_up_own_message.eml"))

    report = fetch(app)

    assert (report.replies, report.new_cases) == (1, 0)
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.entries[-1].body == (
            "Jag glömde säga att vi har frånluftsventilation i huset.\n\n/Björn"
        )


def test_a_forged_token_starts_a_new_case_and_touches_nobody_elses(
    app: Flask, dovecot: Dovecot
) -> None:
    victim = open_case(app)
    other = open_case(app, contact=_contact("Per Östlund", "per.ostlund@example.se"))
    forged = victim["reply_to"].replace(victim["token"].split(".")[1], "a" * 16)
    # The other case's valid signature on the victim's reference is forged too.
    swapped = victim["reply_to"].replace(
        victim["token"].split(".")[1], other["token"].split(".")[1]
    )
    for number, address in enumerate((forged, swapped)):
        raw = corpus("gmail_reply.eml", reply_to=address, our_message_id="n.1@example.org")
        raw = raw.replace(b"asa.oberg@example.com", b"mallory@example.net")
        raw = raw.replace(b"<CAJx7H1q9rW", f"<{number}-CAJx7H1q9rW".encode())
        dovecot.append("stockholm", raw)

    report = fetch(app)

    assert (report.new_cases, report.replies) == (2, 0)
    with app.app_context():
        assert len(db.session.get(Case, victim["id"]).entries) == 0
        refused = [
            r.details.get("refused_token") for r in db.session.scalars(select(InboundMessage))
        ]
        assert refused == ["forged", "forged"]


def test_a_stale_token_starts_a_new_case(app: Flask, dovecot: Dovecot) -> None:
    case = open_case(app)
    with app.app_context():
        stored = db.session.get(Case, case["id"])
        stored.status = "closed"
        stored.closed_at = utcnow() - timedelta(days=400)
        db.session.commit()
    dovecot.append(
        "stockholm",
        corpus("gmail_reply.eml", reply_to=case["reply_to"], our_message_id="s.1@example.org"),
    )

    report = fetch(app)

    assert (report.new_cases, report.replies) == (1, 0)
    with app.app_context():
        record = db.session.scalars(select(InboundMessage)).one()
        assert record.details["refused_token"] == "stale"
        assert record.case_id != case["id"]


# Loops, floods, sizes ----------------------------------------------------------------------


def test_auto_replies_bounces_and_newsletters_never_make_cases_or_mail(
    app: Flask, dovecot: Dovecot
) -> None:
    case = open_case(app)
    dovecot.append(
        "stockholm",
        corpus(
            "auto_reply_exchange.eml",
            reply_to=case["reply_to"],
            reference=case["reference"],
            our_message_id="o.1@example.org",
        ),
    )
    for name in ("vacation_x_autoreply.eml", "bounce_dsn.eml", "newsletter_bulk.eml"):
        dovecot.append("stockholm", corpus(name))

    report = fetch(app)

    assert (report.ignored, report.new_cases, report.replies) == (4, 0, 0)
    assert handled_flags(dovecot) == [True] * 4
    assert sorted(inbound_records(app)) == [
        ("ignored", "auto_reply"),
        ("ignored", "auto_reply"),
        ("ignored", "bounce"),
        ("ignored", "bulk"),
    ]
    assert count(app, Case) == 1
    assert count(app, OutboxMessage) == 0
    with app.app_context():
        assert db.session.get(Case, case["id"]).entries == []


def test_mail_from_our_own_address_is_a_loop_and_ignored(app: Flask, dovecot: Dovecot) -> None:
    raw = corpus("english_flowed_base64.eml").replace(
        b"Emily Carter <emily.carter@example.co.uk>",
        b"Energi <energiradgivning.sodertorn@example.org>",
    )
    dovecot.append("stockholm", raw)

    report = fetch(app)

    assert report.ignored == 1
    assert inbound_records(app) == [("ignored", "loop")]


@pytest.fixture
def limited(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["INBOUND_SENDER_LIMIT"] = 2
    return app_config


def test_a_sender_over_the_limit_is_ignored(limited: Any, app: Flask, dovecot: Dovecot) -> None:
    for number in range(3):
        raw = corpus("english_flowed_base64.eml").replace(
            b"<5A4B3C2D-", f"<{number}-5A4B3C2D-".encode()
        )
        dovecot.append("stockholm", raw)

    report = fetch(app)

    assert (report.new_cases, report.ignored) == (2, 1)
    assert inbound_records(app)[-1] == ("ignored", "rate_limited")
    assert count(app, OutboxMessage) == 2  # receipts for the two cases, none for the third


def large_message(size: int, *, automatic: bool = False) -> bytes:
    """A question with a photo attachment of about ``size`` bytes once encoded."""
    message = EmailMessage()
    message["From"] = "Lisa Holm <lisa.holm@example.com>"
    message["To"] = "energiradgivning.stockholm@example.org"
    message["Subject"] = "Bilder på vinden"
    message["Message-ID"] = f"<large-{size}-{automatic}@example.com>"
    message["Date"] = "Wed, 11 Feb 2026 09:00:00 +0100"
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content("Hej! Här är bilder på vindsbjälklaget.")
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * (size * 3 // 4 // 256)
    message.add_attachment(photo, maintype="image", subtype="jpeg", filename="vind.jpg")
    return bytes(message)


def test_a_twenty_megabyte_message_is_not_read_and_gets_a_polite_answer(
    app: Flask, dovecot: Dovecot
) -> None:
    big = large_message(20 * 1024 * 1024)
    assert len(big) > 20 * 1024 * 1024
    dovecot.append("stockholm", big)
    dovecot.append("stockholm", large_message(16 * 1024 * 1024, automatic=True))

    report = fetch(app)

    assert (report.ignored, report.new_cases) == (2, 0)
    assert handled_flags(dovecot) == [True, True]
    assert count(app, Case) == 0
    with app.app_context():
        records = list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        assert [(r.reason, r.raw) for r in records] == [("too_large", None), ("auto_reply", None)]
        assert records[0].size_bytes == len(big.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        answer = db.session.scalars(select(OutboxMessage)).one()  # none to the automatic one
        assert answer.kind == "inbound_too_large" and answer.to_address == "lisa.holm@example.com"
        assert "15 MB" in answer.text_body
        answer_id = answer.id
    email = built(app, answer_id)
    assert email["Auto-Submitted"] == "auto-replied"
    assert email["In-Reply-To"] == "<large-20971520-False@example.com>"
    assert "Bilder på vinden" in email["Subject"]


# Nothing lost, nothing twice ---------------------------------------------------------------


class Crash(BaseException):
    """The process dies: nothing after this point runs."""


def test_a_crash_between_commit_and_marking_does_not_make_a_duplicate(
    app: Flask, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))

    def crash(mailbox: Any, uids: list[int]) -> None:
        raise Crash

    monkeypatch.setattr(services, "mark_handled", crash)
    with pytest.raises(Crash):
        fetch(app)
    assert count(app, Case) == 1  # committed
    assert handled_flags(dovecot) == [False]  # but not marked
    monkeypatch.undo()

    report = fetch(app)

    assert (report.fetched, report.duplicates, report.new_cases) == (1, 1, 0)
    assert count(app, Case) == 1
    assert count(app, OutboxMessage) == 1  # one receipt
    assert handled_flags(dovecot) == [True]
    assert fetch(app).fetched == 0


def test_the_same_message_twice_changes_nothing_the_second_time(app: Flask) -> None:
    raw = corpus("outlook_new_question.eml")
    with app.app_context():
        office_id = db.session.scalar(select(Office.id).where(Office.code == "stockholm"))
        source = services.Source(mailbox="stockholm", office_id=office_id)
        first = receive_message(raw, source)
        second = receive_message(raw, source)
    assert (first.status, second.status) == ("processed", "duplicate")
    assert count(app, Case) == 1


def test_a_malformed_message_is_quarantined_and_the_fetcher_goes_on(
    app: Flask, dovecot: Dovecot
) -> None:
    dovecot.append("stockholm", corpus("malformed.eml"))
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))

    report = fetch(app)

    assert (report.quarantined, report.new_cases) == (1, 1)
    assert handled_flags(dovecot) == [True, True]
    with app.app_context():
        record = db.session.scalars(
            select(InboundMessage).where(InboundMessage.status == "quarantined")
        ).one()
        assert "no sender address" in record.error
        assert record.raw is not None and b"never-closed" in record.raw
        assert record.message_id == "<malformed-1@broken.example>"


def test_the_admin_sees_the_quarantine_and_a_retry_after_a_fix_makes_the_case(
    app: Flask,
    dovecot: Dovecot,
    client: FlaskClient,
    make_user: Any,
    login: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(raw: bytes) -> Any:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(services, "parse_message", broken)
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))
    assert fetch(app).quarantined == 1
    monkeypatch.undo()
    login(make_user(roles=("admin",), offices=()))

    page = client.get("/inbound/quarantine")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "parser bug" in text and "bjorn.lindstrom@example.net" in text
    with app.app_context():
        inbound_id = db.session.scalars(select(InboundMessage.id)).one()

    response = client.post(f"/inbound/quarantine/{inbound_id}/retry")

    assert response.status_code == 302
    assert inbound_records(app) == [("processed", "new_case")]
    assert count(app, Case) == 1


def test_the_quarantine_is_for_admins_only(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    login(make_user(roles=("adviser",)))
    assert client.get("/inbound/quarantine").status_code == 403
    assert client.post("/inbound/quarantine/1/retry").status_code == 403


def test_quarantine_retry_command_reports_a_message_that_still_fails(
    app: Flask, dovecot: Dovecot, runner: FlaskCliRunner
) -> None:
    dovecot.append("stockholm", corpus("malformed.eml"))
    fetch(app)
    with app.app_context():
        inbound_id = db.session.scalars(select(InboundMessage.id)).one()

    listing = runner.invoke(args=["quarantine-retry", "--list"])
    retried = runner.invoke(args=["quarantine-retry", str(inbound_id)])

    assert str(inbound_id) in listing.output
    assert retried.exit_code != 0 and "still quarantined" in retried.output
    with app.app_context():
        assert db.session.get(InboundMessage, inbound_id).attempts == 2


# Mailboxes -----------------------------------------------------------------------------------


@pytest.fixture
def processed_folder(app_config: dict[str, Any], dovecot: Dovecot) -> dict[str, Any]:
    dovecot.create_folder("stockholm", "Behandlat")
    app_config["INBOUND_MAILBOXES"] = [
        dovecot.mailbox(
            "stockholm", processed_folder="Behandlat", security="starttls", port=dovecot.imap_port
        )
    ]
    return app_config


def test_starttls_and_a_processed_folder_move_handled_mail_out_of_the_inbox(
    processed_folder: Any, app: Flask, dovecot: Dovecot
) -> None:
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))
    dovecot.append("stockholm", corpus("bounce_dsn.eml"))

    report = fetch(app)

    assert (report.new_cases, report.ignored) == (1, 1)
    assert dovecot.count("stockholm") == 0
    assert dovecot.count("stockholm", "Behandlat") == 2


@pytest.fixture
def one_mailbox_down(app_config: dict[str, Any], dovecot: Dovecot) -> dict[str, Any]:
    from tests.dovecot import _free_port

    app_config["INBOUND_MAILBOXES"] = [
        dovecot.mailbox("sodertorn", port=_free_port(), timeout=2),
        dovecot.mailbox("stockholm"),
    ]
    return app_config


def test_an_unreachable_mailbox_is_reported_and_the_others_are_read(
    one_mailbox_down: Any, app: Flask, dovecot: Dovecot, runner: FlaskCliRunner
) -> None:
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))

    result = runner.invoke(args=["fetch-mail", "--no-deliver"])

    assert "fetched 1: new cases 1," in result.output
    assert "error: sodertorn" in result.output
    assert count(app, Case) == 1


def test_outgoing_mail_to_advisers_invites_no_reply(app: Flask, make_user: Any) -> None:
    make_user(offices=("stockholm",))
    with app.app_context():
        from advice.mail.notifications import notify_new_case

        case = new_case().case
        (notice,) = notify_new_case(case)
        db.session.commit()
        notice_id = notice.id
    email = built(app, notice_id)
    assert email["Reply-To"] is None
    assert email["Auto-Submitted"] == "auto-generated"


def test_mail_to_a_web_cases_requester_carries_the_signed_reply_to_and_the_thread(
    app: Flask,
) -> None:
    with app.app_context():
        from advice.mail.notifications import mail_case_received, mail_reply

        case = new_case().case
        receipt = mail_case_received(case, "https://advice.example.org/track/a")
        db.session.flush()
        answer = mail_reply(case, "Bergvärme passar bra.", "https://advice.example.org/track/b")
        db.session.commit()
        receipt_message_id, answer_id = receipt.message_id, answer.id
        token = reply_token(case)
    email = built(app, answer_id)
    assert str(email["Reply-To"]) == f"energiradgivning.stockholm+{token}@example.org"
    assert email["In-Reply-To"] == receipt_message_id
    assert email["References"] == receipt_message_id
    assert email["Auto-Submitted"] == "auto-generated"  # written by a person, sent by us


@pytest.fixture
def broken_settings(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["INBOUND_MAILBOXES"] = [{"host": "imap.example.org"}]
    return app_config


def test_broken_mailbox_settings_stop_fetching_but_never_outgoing_mail(
    broken_settings: Any, app: Flask
) -> None:
    report = fetch(app)
    assert report.fetched == 0 and "missing" in report.errors[0]
    with app.app_context():
        from advice.mail.notifications import mail_case_received

        case = new_case().case
        receipt = mail_case_received(case, "https://advice.example.org/track/a")
        db.session.commit()
        receipt_id = receipt.id
    email = built(app, receipt_id)
    assert email["Reply-To"] is None and email["To"] == "asa.oberg@example.com"


def test_mail_of_an_anonymised_case_loses_its_personal_data(app: Flask, dovecot: Dovecot) -> None:
    dovecot.append("stockholm", corpus("gmail_reply.eml", reply_to="x@example.org"))
    fetch(app)
    with app.app_context():
        from advice.privacy.services import anonymise_case

        case = db.session.scalars(select(Case)).one()
        anonymise_case(case, reason="test")
        db.session.commit()
        services.forget_anonymised_mail()
        db.session.commit()
        record = db.session.scalars(select(InboundMessage)).one()
        assert (record.sender, record.subject, record.folded_text) == (None, None, None)
        assert record.message_id.startswith("<CAJx7H1q9rW")  # still never read twice


# The whole story -----------------------------------------------------------------------------


def test_question_by_mail_answered_on_the_case_page_and_the_reply_lands_in_the_same_case(
    app: Flask,
    dovecot: Dovecot,
    client: FlaskClient,
    runner: FlaskCliRunner,
    make_user: Any,
    login: Any,
) -> None:
    # A citizen writes to the office address from Outlook.
    dovecot.append("stockholm", corpus("outlook_new_question.eml"))
    fetched = runner.invoke(args=["fetch-mail"])
    assert "new cases 1," in fetched.output, fetched.output

    # A new adviser signs in and finds it in the queue.
    login(make_user(email="ny.radgivare@example.org", offices=("stockholm",)))
    with app.app_context():
        reference = db.session.scalars(select(Case.reference)).one()
    queue = client.get("/queue")
    assert reference in queue.get_data(as_text=True)

    # … answers it from the case page …
    answered = client.post(
        f"/cases/{reference}/reply",
        data={
            "reply-body": "Bergvärme passar bra för ert hus.",
            "reply-minutes": "15",
            "reply-status_after": "resolved",
        },
    )
    assert answered.status_code == 302
    with app.app_context():
        deliver_pending(None)
        reply = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply")).one()
        email = parse(bytes(build_email(reply)))
    reply_to = str(email["Reply-To"])
    assert reply_to.startswith(f"energiradgivning.stockholm+{reference}.")
    assert email["References"] and email["In-Reply-To"] == (
        "<AM9PR07MB71234A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5@AM9PR07MB7123.eurprd07.prod.outlook.com>"
    )

    # … and the requester's reply from their mail client lands in the same case.
    answer = corpus(
        "outlook_reply.eml",
        reply_to=reply_to,
        reference=reference,
        our_message_id=str(email["Message-ID"]).strip("<>"),
    )
    dovecot.append("stockholm", answer)
    again = runner.invoke(args=["fetch-mail"])
    assert "replies 1," in again.output, again.output

    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.status == "in_progress"  # resolved, reopened by the reply
        kinds = [entry.kind for entry in case.entries]
        assert kinds == ["reply", "status_change", "citizen_message", "status_change", "note"]
        assert db.session.scalar(select(func.count()).select_from(CaseEntry)) == len(kinds)
    page = client.get(f"/cases/{reference}")
    assert "Vi bestämde oss för bergvärme." in page.get_data(as_text=True)
    mail_page = client.get(f"/inbound/cases/{reference}")
    assert "Från: Energi- och klimatrådgivning" in mail_page.get_data(as_text=True)
