"""The data the page checks need: every page type in the state its users see it.

Built once per server through the app's own services (as the CLI and the web do): staff
in each role, a resolved case with a full timeline and a requester's photo, another case
of the same contact, an email case, a quarantined email, published and draft articles
with several revisions, a pending invitation, an integration key, staff with two-step
verification, and an email that could not be delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from advice.extensions import db
from tests.browser.journeys import Staff, make_staff, photo_jpeg
from tests.browser.live_server import LiveServer

MAIL_CORPUS = Path(__file__).resolve().parents[1] / "mail_corpus"


@dataclass(frozen=True)
class World:
    # Staff by (role, language): each reads the app in their own language.
    users: dict[tuple[str, str], Staff]
    # URL arguments by name, as the URL map spells them (reference, token, slug, …), and
    # what else the page states need.
    values: dict[str, Any]
    # For the staff with two-step verification: unused recovery codes to sign in with.
    recovery_codes: dict[tuple[str, str], list[str]]


ROLES = {
    "adviser": ("Hanna Hemma", ("adviser",), ("stockholm",)),
    "coordinator": ("Maria Processledare", ("coordinator",), ()),
    "admin": ("Ada Admin", ("admin",), ()),
    # An adviser who has switched two-step verification on.
    "second_factor": ("Sigge Säker", ("adviser",), ("stockholm",)),
}


def build_world(server: LiveServer, languages: tuple[str, ...]) -> World:
    users = {
        (role, language): make_staff(server, name, roles, offices, language)
        for role, (name, roles, offices) in ROLES.items()
        for language in languages
    }
    reviewer = make_staff(server, "Rita Granskare")
    # Signs in as far as the code, never further (the code page's own states).
    halfway = make_staff(server, "Tova Tvåsteg")
    values = server.run(
        lambda: _create_data(users[("adviser", "sv")], users[("admin", "sv")], reviewer)
    )
    recovery_codes = {
        key: server.run(lambda staff=staff: _switch_on_second_factor(staff))
        for key, staff in users.items()
        if key[0] == "second_factor"
    }
    server.run(lambda: _switch_on_second_factor(halfway))
    values["second_factor_email"] = halfway.email
    values["new_adviser"] = lambda language: make_staff(
        server, "Nora Nyinloggad", language=language
    ).email
    return World(users=users, values=values, recovery_codes=recovery_codes)


def _switch_on_second_factor(staff: Staff) -> list[str]:
    import pyotp

    from advice.accounts import totp

    secret = totp.new_secret()
    codes = totp.confirm_enrolment(_user(staff), secret, pyotp.TOTP(secret).now())
    db.session.commit()
    return codes


def _user(staff: Staff) -> Any:
    from advice.accounts.models import User

    return db.session.scalars(select(User).where(User.email == staff.email)).one()


def _create_data(adviser_ref: Staff, admin_ref: Staff, reviewer_ref: Staff) -> dict[str, Any]:
    from advice.admin.services import invite_user
    from advice.api.keys import create_key
    from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
    from advice.cases import services as cases
    from advice.cases.contacts import ContactDetails
    from advice.inbound.models import InboundMessage
    from advice.inbound.services import receive_message
    from advice.knowledge import services as kb
    from advice.mail.models import OutboxMessage
    from advice.regions.models import Office
    from advice.taxonomy.models import Topic
    from tests.factories import new_case, topic_id

    adviser, admin, reviewer = _user(adviser_ref), _user(admin_ref), _user(reviewer_ref)
    stockholm = db.session.scalars(select(Office).where(Office.code == "stockholm")).one()

    published = kb.create_article(
        kb.ArticleDraft(
            title="Värmepump i villan – så väljer du",
            body_md="## Tre sorters värmepumpar\n\nEn **värmepump** tar värme ur luften, "
            "marken eller vattnet.\n\n- Luft/luft\n- Luft/vatten\n- Bergvärme",
            summary="Om värmepumpar för villaägare.",
            topic_ids=[topic_id()],
        ),
        adviser,
    )
    kb.submit_for_review(published, adviser)
    kb.publish(published, reviewer)
    draft = kb.create_article(
        kb.ArticleDraft(
            title="Intern rutin för hembesök",
            body_md="Ring alltid före besöket.",
            audience="internal",
            topic_ids=[topic_id()],
        ),
        adviser,
    )
    kb.save_article(
        draft,
        kb.ArticleDraft(
            title="Intern rutin för hembesök",
            body_md="Ring alltid före besöket.\n\nTa med en värmekamera.",
            audience="internal",
            topic_ids=[topic_id()],
        ),
        adviser,
    )
    in_review = kb.create_article(
        kb.ArticleDraft(
            title="Solceller på garagetaket",
            body_md="Ett garagetak i söderläge räcker ofta till 3–4 kW.",
            topic_ids=[topic_id("solar")],
        ),
        adviser,
    )
    kb.submit_for_review(in_review, adviser)

    contact = ContactDetails(name="Åsa Öberg", email="asa.oberg@example.com", phone="070-1234567")
    earlier = new_case(contact=contact, question="Hur fungerar fjärrvärme?")
    created = new_case(contact=contact)
    case = created.case
    photo = store_attachment(
        case,
        CheckedUpload("element.jpg", "image/jpeg", photo_jpeg()),
        StoredFiles(),
        by_requester=True,
    )
    cases.claim(case, adviser)
    cases.add_note(case, adviser, "Ringde upp, villan har vattenburen el.", minutes=5)
    cases.log_contact(case, adviser, "call", "Gick igenom alternativen i telefon.", 15)
    kb.link_article(case, published, adviser)
    cases.reply_to_requester(
        case,
        adviser,
        "Hej Åsa! En luft/vatten-värmepump passar ert hus. Läs gärna artikeln.",
        minutes=20,
        new_status="resolved",
    )
    token = cases.mint_tracking_token(case)

    receive_message((MAIL_CORPUS / "outlook_new_question.eml").read_bytes(), _source(stockholm))
    receive_message((MAIL_CORPUS / "malformed.eml").read_bytes(), _source(stockholm))
    email_case = db.session.scalars(
        select(InboundMessage).where(InboundMessage.case_id.is_not(None))
    ).first()
    assert email_case is not None and email_case.case is not None

    create_key("Kommunens statistiksystem", ["stats"], admin)
    invited = invite_user(
        "ny.radgivare@example.org", "Nils Nyanställd", ["adviser"], [stockholm.id], "sv", admin
    )
    db.session.add(
        OutboxMessage(
            to_address="okand@example.com",
            subject="Ärende: svar från energi- och klimatrådgivningen",
            text_body="…",
            kind="reply",
            status="failed",
            attempts=10,
            last_error="550 5.1.1 mailbox unavailable",
            message_id="<failed-1@example.org>",
        )
    )
    db.session.commit()
    heating = db.session.scalars(select(Topic.id).where(Topic.code == "heating")).one()
    return {
        "reference": case.reference,
        "earlier_reference": earlier.case.reference,
        "email_reference": email_case.case.reference,
        "attachment_id": photo.id,
        "token": token,
        "slug": published.slug,
        "article_id": published.id,
        "draft_id": draft.id,
        "in_review_id": in_review.id,
        "number": 1,
        "user_id": adviser.id,
        "office_id": stockholm.id,
        "kind": "topics",
        "term_id": heating,
        "invitation": invited.token,
        "topic_id": heating,
        "filename": "css/advice.css",
        "contact_id": case.contact_id,
    }


def _source(office: Any) -> Any:
    from advice.inbound.services import Source

    return Source(mailbox="INBOX", office_id=office.id)
