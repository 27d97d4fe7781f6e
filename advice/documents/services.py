"""A case's documents as PDFs.

- The requester's **summary**: the question, the advice given, public articles, next
  steps, the adviser and the office. Only what the requester has seen already.
- The internal **record** for the municipal archive: everything about the case.

Each is built as plain data (``summary_context``, ``record_context``), rendered through
``advice.pdf`` and kept in ``advice.documents.cache`` under the case's version, so a
repeated download is answered from disk. (The statistics report is in
``advice.documents.stats_report``.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import weasyprint
from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.routing import BuildError

from advice import pdf
from advice.accounts.models import User
from advice.audit import services as audit
from advice.cases.forms import STATUS_LABELS
from advice.cases.models import Case, CaseArticle, CaseEntry
from advice.cases.queries import case_with_timeline
from advice.cases.services import add_entry
from advice.documents import cache
from advice.extensions import db
from advice.intake.forms import HEATING_SYSTEM_LABELS, PROPERTY_TYPE_LABELS
from advice.knowledge.models import Article
from advice.mail.notifications import mail_summary
from advice.regions.models import Office
from advice.regions.services import setting

SUMMARY = "summary"
RECORD = "record"

PRIORITY_LABELS = {"low": _l("Låg"), "normal": _l("Normal"), "high": _l("Hög")}
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}
AUDIENCE_LABELS = {"public": _l("Publik"), "internal": _l("Intern")}
ARTICLE_STATUS_LABELS = {
    "draft": _l("Utkast"),
    "in_review": _l("Granskas"),
    "published": _l("Publicerad"),
    "archived": _l("Arkiverad"),
}

# Generic next steps per topic code; a topic the coordinator adds later simply has none.
NEXT_STEPS: dict[str, tuple[Any, ...]] = {
    "heating": (
        _l(
            "Begär offerter från minst tre installatörer och jämför årsvärmefaktor (SCOP), "
            "ljudnivå, garantier och service."
        ),
        _l(
            "Fråga kommunen om installationen behöver anmälas, till exempel borrhål för "
            "bergvärme, och kontrollera om arbetet ger rätt till rotavdrag."
        ),
    ),
    "district_heating": (
        _l("Jämför priset hos ditt fjärrvärmeföretag med andra uppvärmningsformer innan du byter."),
        _l("Låt injustera radiatorer och termostater: det sänker returtemperaturen och kostnaden."),
    ),
    "solar": (
        _l(
            "Begär offerter från minst tre installatörer och jämför pris per installerad "
            "kilowatt, garantier och vem som anmäler anläggningen till elnätsföretaget."
        ),
        _l("Undersök skattereduktionen för grön teknik och om kommunen kräver bygglov."),
    ),
    "insulation": (
        _l("Börja med vinden: tilläggsisolering där ger ofta mest för pengarna."),
        _l("Täta kring fönster, dörrar och genomföringar innan du byter dem."),
        _l("Rådfråga en fuktsakkunnig innan du isolerar källare eller krypgrund."),
    ),
    "ventilation": (
        _l("Läs protokollet från den senaste ventilationskontrollen (OVK) och åtgärda bristerna."),
        _l("Rengör ventiler och byt filter så ofta som tillverkaren rekommenderar."),
    ),
    "electricity_prices": (
        _l("Jämför elavtal på Energimarknadsinspektionens Elpriskollen innan du byter."),
        _l("Ta reda på din årsförbrukning på elräkningen, så blir jämförelsen rätt."),
    ),
    "energy_use": (
        _l("Följ din förbrukning månad för månad hos elnätsföretaget och jämför med förra året."),
        _l("Börja med det som inte kostar något: inomhustemperatur, varmvatten och standby."),
    ),
    "transport": (
        _l(
            "Låt en behörig elinstallatör kontrollera att elcentralen och huvudsäkringen "
            "räcker för en laddbox."
        ),
        _l("Undersök skattereduktionen för grön teknik för installation av laddpunkt."),
    ),
    "grants": (
        _l(
            "Läs villkoren för bidrag och skatteavdrag innan arbetet börjar: vissa stöd måste "
            "sökas i förväg."
        ),
        _l("Spara fakturor där arbetskostnaden står för sig."),
    ),
    "energy_certificate": (
        _l("Gå igenom åtgärdsförslagen i energideklarationen och börja med de lönsammaste."),
        _l("Energideklarationer finns i Boverkets register."),
    ),
    "brf": (
        _l(
            "Ta fram föreningens energistatistik för de senaste tre åren som underlag för "
            "styrelsen."
        ),
        _l("Samordna energiåtgärderna med föreningens underhållsplan."),
    ),
    "business": (
        _l("Kartlägg var energin används i verksamheten och börja med de största posterna."),
        _l("Undersök om företaget kan få stöd för en energikartläggning."),
    ),
}
CLOSING_STEP = _l(
    "Hör av dig till din energi- och klimatrådgivare när du har fler frågor, till exempel "
    "när du har fått offerter. Rådgivningen är kostnadsfri."
)


# Plain data --------------------------------------------------------------------------


def _absolute(path: str) -> str:
    if has_request_context():
        return request.url_root.rstrip("/") + path
    server = current_app.config.get("SERVER_NAME")
    if server:
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "https"
        return f"{scheme}://{server}{path}"
    return path


def public_article_url(slug: str) -> str:
    """The public address of an article, absolute where it can be built."""
    try:
        return url_for("knowledge.public_article", slug=slug, _external=True)
    except (BuildError, RuntimeError):
        return _absolute(f"/kb/{quote(slug)}")


def linked_public_articles(case: Case) -> list[Any]:
    """The knowledge base's public articles linked to the case; none until it provides them."""
    try:
        from advice.knowledge.services import linked_public_articles as linked
    except ImportError:
        return []
    return list(linked(case))


def _office(office: Office) -> dict[str, str | None]:
    return {
        "name": office.name,
        "email": office.email,
        "phone": office.phone,
        "address": office.address,
        "website": office.website,
    }


def _header(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "version": case.version,
        "office": _office(case.office),
        "municipality": case.municipality.name if case.municipality else None,
        "region_name": setting("region_name"),
        "service_name": _("Energi- och klimatrådgivning"),
    }


def next_steps(topic_codes: Sequence[str]) -> list[str]:
    """Generic next steps for the case's topics, in the current language, without repeats."""
    steps: list[str] = []
    for code in topic_codes:
        for step in NEXT_STEPS.get(code, ()):
            if str(step) not in steps:
                steps.append(str(step))
    steps.append(str(CLOSING_STEP))
    return steps


def summary_context(case: Case, language: str) -> dict[str, Any]:
    """What the requester's summary shows; call with the case loaded by case_with_timeline.

    Only public entries (the requester's messages and the replies they were sent) and
    public articles: nothing internal reaches this dictionary.
    """
    with force_locale(language):
        conversation = [
            {
                "kind": entry.kind,
                "at": entry.created_at,
                "author": entry.author.name if entry.kind == "reply" and entry.author else None,
                "body": entry.body or "",
            }
            for entry in case.entries
            if entry.is_public and entry.kind in ("reply", "citizen_message") and entry.body
        ]
        replies = [message for message in conversation if message["kind"] == "reply"]
        adviser = replies[-1]["author"] if replies and replies[-1]["author"] else None
        if adviser is None and case.assignee is not None:
            adviser = case.assignee.name
        contact = case.contact
        return {
            **_header(case),
            "requester_name": contact.name if contact and not contact.anonymised_at else None,
            "status": str(STATUS_LABELS.get(case.status, case.status)),
            "received_at": case.received_at,
            "first_response_at": case.first_response_at,
            "resolved_at": case.resolved_at,
            "topics": [topic.label(language) for topic in case.topics],
            "question": case.question,
            "conversation": conversation,
            "articles": [
                {
                    "title": article.title,
                    "summary": article.summary,
                    "url": public_article_url(article.slug),
                }
                for article in linked_public_articles(case)
            ],
            "next_steps": next_steps([topic.code for topic in case.topics]),
            "adviser_name": adviser,
        }


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def _entry(entry: CaseEntry) -> dict[str, Any]:
    details = entry.details or {}
    return {
        "kind": entry.kind,
        "at": entry.created_at,
        "is_public": entry.is_public,
        "author": _name(entry.author),
        "body": entry.body,
        "minutes": entry.minutes,
        "old_status": str(STATUS_LABELS.get(entry.old_status or "", entry.old_status or "–")),
        "new_status": str(STATUS_LABELS.get(entry.new_status or "", entry.new_status or "–")),
        "assignee": _name(entry.assignee),
        "from_office": entry.from_office.name if entry.from_office else None,
        "to_office": entry.to_office.name if entry.to_office else None,
        "score": details.get("score"),
        "decision": details.get("decision"),
    }


def _linked_articles(case: Case) -> list[dict[str, Any]]:
    articles = db.session.scalars(
        select(Article)
        .join(CaseArticle, CaseArticle.article_id == Article.id)
        .where(CaseArticle.case_id == case.id)
        .order_by(CaseArticle.linked_at, Article.id)
    )
    return [
        {
            "title": article.title,
            "audience": str(AUDIENCE_LABELS.get(article.audience, article.audience)),
            "status": str(ARTICLE_STATUS_LABELS.get(article.status, article.status)),
            "url": public_article_url(article.slug) if _on_public_site(article) else None,
        }
        for article in articles
    ]


def _on_public_site(article: Article) -> bool:
    # The knowledge base's own notion of "live" where it has one, else the status.
    live = getattr(article, "is_live", article.status == "published")
    return article.audience == "public" and bool(live)


def record_context(case: Case, language: str) -> dict[str, Any]:
    """Everything about the case for the archive; call with case_with_timeline's case."""
    with force_locale(language):
        contact = case.contact
        uploaders = _uploader_names(case)
        has_property = any(
            (case.property_type, case.year_built, case.heated_area_m2, case.heating_system)
        )
        return {
            **_header(case),
            "status": str(STATUS_LABELS.get(case.status, case.status)),
            "priority": str(PRIORITY_LABELS.get(case.priority, case.priority)),
            "language": LANGUAGE_NAMES.get(case.language, case.language),
            "channel": case.channel.label(language),
            "requester_type": case.requester_type.label(language) if case.requester_type else None,
            "topics": [topic.label(language) for topic in case.topics],
            "assignee": _name(case.assignee),
            "created_by": _name(case.created_by),
            "received_at": case.received_at,
            "first_response_due_at": case.first_response_due_at,
            "first_response_at": case.first_response_at,
            "resolved_at": case.resolved_at,
            "closed_at": case.closed_at,
            "updated_at": case.updated_at,
            "minutes_spent": case.minutes_spent,
            "consent_at": case.consent_at,
            "consent_notice_version": case.consent_notice_version,
            "satisfaction": case.satisfaction,
            "satisfaction_comment": case.satisfaction_comment,
            "erasure_requested_at": case.erasure_requested_at,
            "anonymised_at": case.anonymised_at,
            "property": property_details(case) if has_property else None,
            "contact": {
                "name": contact.name,
                "email": contact.email,
                "phone": contact.phone,
            }
            if contact is not None and contact.anonymised_at is None
            else None,
            "question": case.question,
            "entries": [_entry(entry) for entry in case.entries],
            "attachments": [
                {
                    "filename": item.filename,
                    "content_type": item.content_type,
                    "size_bytes": item.size_bytes,
                    "sha256": item.sha256,
                    "uploaded_by": None
                    if item.uploaded_by_requester
                    else uploaders.get(item.uploaded_by_id or 0),
                    "at": item.created_at,
                    "deleted_at": item.deleted_at,
                }
                for item in case.attachments
            ],
            "articles": _linked_articles(case),
        }


def property_details(case: Case) -> dict[str, Any]:
    """The building the question is about, its type and heating named in the locale's
    language (the record and the data subject's export)."""
    return {
        "type": str(PROPERTY_TYPE_LABELS.get(case.property_type, case.property_type))
        if case.property_type
        else None,
        "year_built": case.year_built,
        "heated_area_m2": case.heated_area_m2,
        "heating_system": str(HEATING_SYSTEM_LABELS.get(case.heating_system, case.heating_system))
        if case.heating_system
        else None,
    }


def _uploader_names(case: Case) -> dict[int, str]:
    ids = {item.uploaded_by_id for item in case.attachments if item.uploaded_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# Rendering and the cache -------------------------------------------------------------


@dataclass(frozen=True)
class RenderedDocument:
    data: bytes
    filename: str
    etag: str
    last_modified: datetime
    from_cache: bool


@lru_cache(maxsize=1)
def layout_fingerprint() -> str:
    """Changes when the PDF templates, the stylesheet or the engine do."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    folder = pdf.REPOSITORY_ROOT / "templates" / "pdf"
    for path in sorted(folder.iterdir()):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _digest(context: Mapping[str, Any]) -> str:
    canonical = json.dumps(context, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8"))
    digest.update(layout_fingerprint().encode())
    return digest.hexdigest()[:16]


def _document(
    case: Case,
    kind: str,
    language: str,
    template: str,
    context: dict[str, Any],
    metadata: pdf.PdfMetadata,
    filename: str,
) -> RenderedDocument:
    key = cache.CacheKey(case.id, kind, case.version, language, _digest(context))
    last_modified = case.updated_at.astimezone(UTC).replace(microsecond=0)
    cached = cache.read(key)
    if cached is not None:
        return RenderedDocument(cached, filename, key.etag, last_modified, True)
    context = {**context, "generated_at": metadata.created}
    data = pdf.render(template, {kind: context}, metadata)
    cache.write(key, data)
    return RenderedDocument(data, filename, key.etag, last_modified, False)


def _author(office_name: str, person: str | None) -> str:
    return f"{person}, {office_name}" if person else office_name


def summary_document(case: Case) -> RenderedDocument:
    """The requester's summary in the case's language, from the cache when it can be."""
    case = case_with_timeline(case.id)
    language = case.language
    context = summary_context(case, language)
    with force_locale(language):
        metadata = pdf.PdfMetadata(
            title=_("Sammanfattning av rådgivning, ärende %(reference)s", reference=case.reference),
            author=_author(case.office.name, context["adviser_name"]),
            language=language,
            subject=_("Energi- och klimatrådgivning"),
            keywords=tuple(context["topics"]),
        )
        filename = _("%(reference)s-sammanfattning.pdf", reference=case.reference)
    return _document(case, SUMMARY, language, "pdf/summary.html", context, metadata, filename)


def record_document(case: Case, language: str) -> RenderedDocument:
    """The internal record in the reader's language, from the cache when it can be.

    It names no reader: it is a record of the case, the same for everyone who may see it
    (the audit log says who opened it).
    """
    case = case_with_timeline(case.id)
    context = record_context(case, language)
    with force_locale(language):
        metadata = pdf.PdfMetadata(
            title=_("Ärendeakt %(reference)s", reference=case.reference),
            author=case.office.name,
            language=language,
            subject=_("Intern handling – innehåller personuppgifter"),
            keywords=tuple(context["topics"]),
        )
        filename = _("%(reference)s-arendeakt.pdf", reference=case.reference)
    return _document(case, RECORD, language, "pdf/record.html", context, metadata, filename)


# Sending the summary -------------------------------------------------------------------


class NoAddress(ValueError):
    """The requester has no email address to send the summary to."""


def send_summary(case: Case, by: User, tracking_url: str) -> RenderedDocument:
    """Email the summary to the requester as an attachment and note it in the timeline.

    Flushes, never commits: the email is queued in the same transaction as the entry.
    """
    document = summary_document(case)
    message = mail_summary(case, document.data, document.filename, tracking_url)
    if message is None:
        raise NoAddress(case.reference)
    add_entry(
        case,
        CaseEntry(
            kind="pdf_sent",
            author_id=by.id,
            details={"document": SUMMARY, "version": case.version, "etag": document.etag},
        ),
    )
    audit.record(
        "case.summary_sent",
        obj=case,
        case_id=case.id,
        details={"document": document.etag, "outbox_message": message.id},
    )
    return document
