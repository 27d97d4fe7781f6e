"""Case search for staff: a reference, a requester's email or phone, or words of the case.

One search box (``/queue?q=…``) understands three kinds of query:

- a **reference**, exact, also typed without its prefix or with spaces
  (``EK-2026-00042``, ``2026-00042``, ``ek 2026 42``): the case opens at once;
- an **email address or phone number**, normalised as contacts store them
  (``070-123 45 67`` = ``+46701234567``): that contact's cases;
- anything else: **words**, searched with the knowledge base's engine
  (``advice.knowledge.search``) in one document per case: the question and the
  requester's name (weight A), the public timeline (B), internal notes, logged calls and
  visits, transfer reasons and attachment file names (C). Swedish word forms as there.

Access comes first. Every query is limited, inside its SQL, to the cases the person may
open (``advice.security.can_see_case``: their offices' cases and their own): a word search
through tags on the case's document (``o<office>``, ``u<assignee>``) that the full-text
index itself matches, the reference and contact look-ups by the same conditions on
``cases``. A case someone may not open is therefore indistinguishable from one that does
not exist: the same statements run, the same page comes back, no count includes it. The
page of hits is read back from ``cases`` with the access condition once more, so that a
stale document could never show a snippet. Staff without the adviser role (the
coordinator) cannot search cases at all.

A word found in a large part of a national database is not ranked in every case: the
engine ranks the ``NEWEST`` newest matches (``newest=``), and the page says that more
matched. Narrowing the query or the queue's filters reaches older cases.

The index follows the case in the same transaction: ``reindex_case`` is called by the
case services whenever the text or the access of a case changes (creation, timeline
entries with text, assignment, transfer, attachments, anonymisation, which removes the
document: an anonymised case has no text left to find). ``index_cases`` rebuilds documents
in bulk from ``cases`` for ``flask reindex-cases`` and the demo loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from advice.accounts.models import BY_NAME, User
from advice.audit import services as audit
from advice.cases.contacts import normalise_email, normalise_phone
from advice.cases.models import PUBLIC_ENTRY_KINDS, Attachment, Case, CaseEntry, Contact
from advice.cases.queries import COUNT_CAP, QueueFilter, filtered_cases
from advice.extensions import db
from advice.knowledge import search
from advice.knowledge.models import SearchDocument

KIND = "case"
PAGE_SIZE = 20
# Words found in more cases than this are ranked among the newest this many.
NEWEST = COUNT_CAP
# Entries whose text is searched, besides the public ones; status changes, assignments,
# article links, PDF notices, satisfaction and erasure requests carry no words to find.
INTERNAL_TEXT_KINDS = ("note", "call", "visit", "transfer")
INDEXED_ENTRY_KINDS = (*PUBLIC_ENTRY_KINDS, *INTERNAL_TEXT_KINDS)
# A tsvector holds at most 1 MB; a very long timeline is cut, its start kept.
FIELD_MAX_CHARS = 200_000
QUERY_MAX_CHARS = 200

QueryKind = Literal["reference", "email", "phone", "words"]


# --- The document of a case ---------------------------------------------------------------


@dataclass
class CaseText:
    """What a case's search document is made of, read from the ORM or in bulk."""

    case_id: int
    language: str
    question: str
    office_id: int
    assignee_id: int | None
    anonymised: bool
    contact_name: str | None = None
    public: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    filenames: list[str] = field(default_factory=list)


def access_tags(
    office_ids: list[int] | set[int] | frozenset[int], user_id: int | None
) -> list[str]:
    """The tags of the cases these offices and this assignee may open."""
    tags = [f"o{office_id}" for office_id in sorted(office_ids)]
    if user_id is not None:
        tags.append(f"u{user_id}")
    return tags


def case_document(text: CaseText) -> search.Document | None:
    """The search document of a case; None once it is anonymised (nothing left to find)."""
    if text.anonymised:
        return None

    def joined(parts: list[str]) -> str:
        return "\n".join(part for part in parts if part)[:FIELD_MAX_CHARS]

    return search.Document(
        kind=KIND,
        doc_id=text.case_id,
        language=text.language,
        title=joined([text.question]),
        summary=joined(text.public),
        body=joined([*text.internal, *text.filenames]),
        tags=tuple(access_tags([text.office_id], text.assignee_id)),
        age_bands=True,
        keywords=text.contact_name or "",
    )


def reindex_case(case: Case) -> None:
    """Bring the case's search document up to date, in the current transaction."""
    text = CaseText(
        case_id=case.id,
        language=case.language,
        question=case.question,
        office_id=case.office_id,
        assignee_id=case.assignee_id,
        anonymised=case.anonymised_at is not None,
        contact_name=case.contact.name if case.contact is not None else None,
    )
    if not text.anonymised:
        for entry in case.entries:
            if entry.body and entry.kind in PUBLIC_ENTRY_KINDS:
                text.public.append(entry.body)
            elif entry.body and entry.kind in INTERNAL_TEXT_KINDS:
                text.internal.append(entry.body)
        text.filenames = [item.filename for item in case.attachments if item.deleted_at is None]
    document = case_document(text)
    if document is None:
        search.remove(KIND, case.id)
    else:
        search.index(document)


def index_cases(first_id: int, last_id: int) -> int:
    """Rebuild the documents of the cases with ids from ``first_id`` to ``last_id``, in
    bulk (a few statements whatever the number); returns how many cases there were."""
    in_range = (Case.id >= first_id, Case.id <= last_id)
    texts = {
        row.id: CaseText(
            case_id=row.id,
            language=row.language,
            question=row.question,
            office_id=row.office_id,
            assignee_id=row.assignee_id,
            anonymised=row.anonymised_at is not None,
            contact_name=row.name,
        )
        for row in db.session.execute(
            select(
                Case.id,
                Case.language,
                Case.question,
                Case.office_id,
                Case.assignee_id,
                Case.anonymised_at,
                Contact.name,
            )
            .outerjoin(Contact, Contact.id == Case.contact_id)
            .where(*in_range)
        )
    }
    for case_id, kind, body in db.session.execute(
        select(CaseEntry.case_id, CaseEntry.kind, CaseEntry.body)
        .where(
            CaseEntry.case_id >= first_id,
            CaseEntry.case_id <= last_id,
            CaseEntry.body.is_not(None),
            CaseEntry.kind.in_(INDEXED_ENTRY_KINDS),
        )
        .order_by(CaseEntry.case_id, CaseEntry.id)
    ):
        text = texts.get(case_id)
        if text is not None:
            (text.public if kind in PUBLIC_ENTRY_KINDS else text.internal).append(body)
    for case_id, filename in db.session.execute(
        select(Attachment.case_id, Attachment.filename)
        .where(
            Attachment.case_id >= first_id,
            Attachment.case_id <= last_id,
            Attachment.deleted_at.is_(None),
        )
        .order_by(Attachment.id)
    ):
        if case_id in texts:
            texts[case_id].filenames.append(filename)
    documents = []
    for text in texts.values():
        document = case_document(text)
        if document is None:
            search.remove(KIND, text.case_id)
        else:
            documents.append(document)
    search.index_many(documents)
    return len(texts)


@dataclass(frozen=True)
class ReindexProgress:
    cases: int
    removed: int = 0


def reindex_all_cases(batch_size: int = 5_000) -> Iterator[ReindexProgress]:
    """Rebuild every case's document, one batch of ids per step; the caller commits after
    each step. Documents of cases that no longer exist are removed at the end."""
    after = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Case.id).where(Case.id > after).order_by(Case.id).limit(batch_size)
            )
        )
        if not ids:
            break
        yield ReindexProgress(cases=index_cases(ids[0], ids[-1]))
        after = ids[-1]
    orphans = list(
        db.session.scalars(
            select(SearchDocument.doc_id).where(
                SearchDocument.kind == KIND,
                ~select(Case.id).where(Case.id == SearchDocument.doc_id).exists(),
            )
        )
    )
    for doc_id in orphans:
        search.remove(KIND, doc_id)
    yield ReindexProgress(cases=0, removed=len(orphans))


# --- Reading the query --------------------------------------------------------------------

# A prefix of letters (optional), a year, a number: "EK-2026-00042", "2026 42", "202600042".
_REFERENCE = re.compile(
    r"(?:(?P<prefix>[a-z]{1,6})[\s-]*)?(?P<year>(?:19|20)\d\d)[\s-]*(?P<number>\d{1,7})"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"(?:\+|0)[\d\s\-()/.]{6,24}")


@dataclass(frozen=True)
class ParsedQuery:
    kind: QueryKind
    text: str
    # A reference's parts, or the normalised email or phone number.
    prefix: str | None = None
    year: int | None = None
    number: int | None = None
    value: str | None = None


def clean_query(text: str | None) -> str:
    return " ".join((text or "").split())[:QUERY_MAX_CHARS]


def parse_query(text: str) -> ParsedQuery:
    """What kind of search the typed text asks for."""
    cleaned = clean_query(text)
    reference = _REFERENCE.fullmatch(cleaned.lower())
    if reference is not None:
        prefix = reference["prefix"]
        return ParsedQuery(
            "reference",
            cleaned,
            prefix=prefix.upper() if prefix else None,
            year=int(reference["year"]),
            number=int(reference["number"]),
        )
    if _EMAIL.fullmatch(cleaned):
        return ParsedQuery("email", cleaned, value=normalise_email(cleaned))
    if _PHONE.fullmatch(cleaned) and sum(ch.isdigit() for ch in cleaned) >= 7:
        phone = normalise_phone(cleaned)
        if phone is not None:
            return ParsedQuery("phone", cleaned, value=phone)
    return ParsedQuery("words", cleaned)


# --- Searching ----------------------------------------------------------------------------


def visible_to(user: User) -> Any:
    """The condition on ``cases`` of ``can_see_case``: the user's offices, and their own."""
    return or_(Case.office_id.in_(sorted(user.office_ids)), Case.assignee_id == user.id)


@dataclass
class CaseHit:
    case: Case
    snippet: Markup = field(default_factory=Markup)


@dataclass
class CaseSearch:
    query: ParsedQuery
    hits: list[CaseHit] = field(default_factory=list)
    total: int = 0
    # More matched than ``total``: at most COUNT_CAP are counted (and ranked).
    capped: bool = False
    page: int = 1
    has_next: bool = False
    # The reference of the case to open straight away.
    jump_to: str | None = None

    @property
    def first_number(self) -> int:
        """The position of the page's first hit, for the numbered list."""
        return (self.page - 1) * PAGE_SIZE + 1


def search_cases(user: User, queue_filter: QueueFilter) -> CaseSearch:
    """The cases this user may open that match ``queue_filter.q`` and its filters."""
    parsed = parse_query(queue_filter.q)
    if not user.has_role("adviser") or not parsed.text:
        found = CaseSearch(parsed)
    elif parsed.kind == "reference":
        found = CaseSearch(parsed, jump_to=_visible_reference(user, parsed))
    elif parsed.kind in ("email", "phone"):
        found = _contact_cases(user, queue_filter, parsed)
    else:
        found = _word_search(user, queue_filter, parsed)
    # Who saw which cases in a list of hits; not the query, which may be personal data.
    audit.record(
        "case.searched",
        details={
            "kind": parsed.kind,
            "total": found.total,
            "shown": [hit.case.id for hit in found.hits] or None,
            "opened": found.jump_to,
        },
    )
    return found


def _visible_reference(user: User, parsed: ParsedQuery) -> str | None:
    """The reference, if it names a case this user may open; one statement either way."""
    statement = select(Case.reference).where(
        Case.reference_year == parsed.year,
        Case.reference_number == parsed.number,
        visible_to(user),
    )
    if parsed.prefix:
        statement = statement.where(Case.reference.startswith(parsed.prefix + "-"))
    return db.session.scalar(statement)


def _contact_cases(user: User, queue_filter: QueueFilter, parsed: ParsedQuery) -> CaseSearch:
    """The cases of the contacts with this email or phone, newest first, as filtered."""
    column = Contact.email_normalised if parsed.kind == "email" else Contact.phone_normalised
    contacts = select(Contact.id).where(column == parsed.value)
    statement = filtered_cases(user, queue_filter).where(Case.contact_id.in_(contacts))
    capped_ids = statement.with_only_columns(Case.id).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped_ids)) or 0
    offset = (queue_filter.page - 1) * PAGE_SIZE
    cases = list(
        db.session.scalars(
            _with_listing(statement)
            .order_by(Case.received_at.desc(), Case.id.desc())
            .limit(PAGE_SIZE + 1)
            .offset(offset)
        ).unique()
    )
    return CaseSearch(
        parsed,
        hits=[CaseHit(case) for case in cases[:PAGE_SIZE]],
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        page=queue_filter.page,
        has_next=len(cases) > PAGE_SIZE,
    )


def _word_search(user: User, queue_filter: QueueFilter, parsed: ParsedQuery) -> CaseSearch:
    """Ranked full-text hits with snippets, among the cases the user may open."""
    office_ids: set[int] = set(user.office_ids)
    if queue_filter.office is not None:
        # As the queue: one of my offices, or (at another office) only my own cases there.
        office_ids &= {queue_filter.office}
    offset = (queue_filter.page - 1) * PAGE_SIZE
    results = search.query(
        KIND,
        parsed.text,
        tags=access_tags(office_ids, user.id),
        # The queue's other filters, as a condition on cases; access is in the tags.
        restrict_to=(
            filtered_cases(user, queue_filter).with_only_columns(Case.id)
            if queue_filter.narrows
            else None
        ),
        newest=NEWEST,
        limit=PAGE_SIZE,
        offset=offset,
        snippet_fields=("title", "summary", "body"),
    )
    # Read back with the access condition again: a hit is shown only if it may be opened.
    ids = results.doc_ids
    cases = {
        case.id: case
        for case in db.session.scalars(
            _with_listing(select(Case).where(Case.id.in_(ids), visible_to(user)))
        ).unique()
    }
    hits = [CaseHit(cases[hit.doc_id], hit.snippet) for hit in results.hits if hit.doc_id in cases]
    total = results.total or 0
    return CaseSearch(
        parsed,
        hits=hits,
        total=total,
        capped=results.capped,
        page=queue_filter.page,
        has_next=offset + PAGE_SIZE < total,
    )


def _with_listing(statement: Select[tuple[Case]]) -> Select[tuple[Case]]:
    """What a list of cases shows, loaded in a fixed number of queries."""
    return statement.options(
        joinedload(Case.municipality),
        joinedload(Case.assignee).options(*BY_NAME),
        joinedload(Case.contact),
    )
