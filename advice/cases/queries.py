"""Read-only queries for the queue and the case page, each a bounded number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from advice.accounts.models import BY_NAME, User
from advice.cases.models import OPEN_STATUSES, STATUSES, Case, CaseEntry, case_topics
from advice.clock import utcnow
from advice.extensions import db
from advice.validators import parse_integer

PAGE_SIZE = 25
# Counting every match exactly would scan a quarter of a national table when the filter is
# wide; past this many, the page says "more than" instead.
COUNT_CAP = 1000
DUE_SOON = timedelta(hours=24)


def _page(value: str | None) -> int:
    page = parse_integer(value)
    return page if page is not None and 1 <= page <= 1000 else 1


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters; they live in the URL so a view can be bookmarked."""

    office: int | None = None  # None: all of my offices
    municipality: int | None = None
    topic: int | None = None
    requester_type: int | None = None
    status: str = "new"  # a status, "open" or "all"
    assignee: str = "unassigned"  # "unassigned", "me", "any" or a user id
    overdue: bool = False
    erasure: bool = False  # only cases whose erasure request awaits a decision
    after: str | None = None  # keyset cursor: "<received-µs>.<id>"
    q: str = ""  # the search box (advice.cases.search); its hits are paged by number
    page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> QueueFilter:
        q = " ".join((args.get("q") or "").split())[:200]
        if not set(args) - {"after", "q", "page"}:
            if q:
                # A search from the header looks through every case I may open.
                return cls(status="all", assignee="any", q=q, page=_page(args.get("page")))
            return cls(after=args.get("after"))
        status = args.get("status", "open")
        assignee = args.get("assignee", "any")
        return cls(
            office=parse_integer(args.get("office")),
            municipality=parse_integer(args.get("municipality")),
            topic=parse_integer(args.get("topic")),
            requester_type=parse_integer(args.get("requester_type")),
            status=status if status in (*STATUSES, "open", "all") else "open",
            assignee=assignee
            if assignee in ("unassigned", "me", "any") or parse_integer(assignee) is not None
            else "any",
            overdue=args.get("overdue") == "1",
            erasure=args.get("erasure") == "1",
            after=args.get("after"),
            q=q,
            page=_page(args.get("page")),
        )

    @property
    def narrows(self) -> bool:
        """Whether the filters leave out some of the cases I may open."""
        return (
            self.office is not None
            or self.municipality is not None
            or self.topic is not None
            or self.requester_type is not None
            or self.status != "all"
            or self.assignee != "any"
            or self.overdue
            or self.erasure
        )

    def as_args(self, **changes: Any) -> dict[str, Any]:
        current = replace(self, **changes)
        args = {
            "office": current.office or "",
            "municipality": current.municipality or "",
            "topic": current.topic or "",
            "requester_type": current.requester_type or "",
            "status": current.status,
            "assignee": current.assignee,
        }
        if current.overdue:
            args["overdue"] = "1"
        if current.erasure:
            args["erasure"] = "1"
        if current.after:
            args["after"] = current.after
        if current.q:
            args["q"] = current.q
        if current.page > 1:
            args["page"] = current.page
        return args


@dataclass
class QueuePage:
    cases: list[Case]
    total: int
    next_cursor: str | None
    total_capped: bool = False
    office_ids: list[int] = field(default_factory=list)


def _cursor(case: Case) -> str:
    micros = int(case.received_at.timestamp() * 1_000_000)
    return f"{micros}.{case.id}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    micros, _, case_id = cursor.partition(".")
    number = parse_integer(case_id)
    # Microseconds since 1970 up to the year 9999, the last a datetime can hold.
    instant = parse_integer(micros, maximum=253_402_300_799_999_999)
    if number is None or instant is None:
        return None
    return datetime.fromtimestamp(instant / 1_000_000, tz=UTC), number


def _filtered(user: User, queue_filter: QueueFilter) -> Select[tuple[Case]]:
    office_ids = sorted(user.office_ids)
    if queue_filter.office is not None and queue_filter.office in office_ids:
        office_ids = [queue_filter.office]
    # My offices' cases, and cases assigned to me wherever they are.
    statement = select(Case).where(or_(Case.office_id.in_(office_ids), Case.assignee_id == user.id))
    if queue_filter.office is not None and queue_filter.office not in user.office_ids:
        statement = statement.where(Case.office_id == queue_filter.office)
    if queue_filter.status == "open":
        statement = statement.where(Case.status.in_(OPEN_STATUSES))
    elif queue_filter.status != "all":
        statement = statement.where(Case.status == queue_filter.status)
    if queue_filter.assignee == "unassigned":
        statement = statement.where(Case.assignee_id.is_(None))
    elif queue_filter.assignee == "me":
        statement = statement.where(Case.assignee_id == user.id)
    elif (assignee_id := parse_integer(queue_filter.assignee)) is not None:
        statement = statement.where(Case.assignee_id == assignee_id)
    if queue_filter.municipality is not None:
        statement = statement.where(Case.municipality_id == queue_filter.municipality)
    if queue_filter.requester_type is not None:
        statement = statement.where(Case.requester_type_id == queue_filter.requester_type)
    if queue_filter.topic is not None:
        statement = statement.where(
            Case.id.in_(
                select(case_topics.c.case_id).where(case_topics.c.topic_id == queue_filter.topic)
            )
        )
    if queue_filter.erasure:
        statement = statement.where(Case.erasure_requested_at.is_not(None))
    if queue_filter.overdue:
        statement = statement.where(
            Case.first_response_at.is_(None),
            Case.first_response_due_at < utcnow(),
            Case.status.in_(OPEN_STATUSES),
        )
    return statement


def filtered_cases(user: User, queue_filter: QueueFilter) -> Select[tuple[Case]]:
    """The cases the queue's filters select among those the user may open (the search
    box's hits are narrowed by the same filters)."""
    return _filtered(user, queue_filter)


def queue_page(user: User, queue_filter: QueueFilter, page_size: int = PAGE_SIZE) -> QueuePage:
    statement = _filtered(user, queue_filter)
    capped = statement.with_only_columns(Case.id).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped)) or 0
    cursor = _parse_cursor(queue_filter.after)
    if cursor is not None:
        received_at, case_id = cursor
        statement = statement.where(
            or_(
                Case.received_at > received_at,
                and_(Case.received_at == received_at, Case.id > case_id),
            )
        )
    rows = list(
        db.session.scalars(
            statement.options(
                joinedload(Case.municipality),
                joinedload(Case.office),
                joinedload(Case.requester_type),
                joinedload(Case.channel),
                joinedload(Case.assignee).options(*BY_NAME),
                selectinload(Case.topics),
            )
            .order_by(Case.received_at, Case.id)
            .limit(page_size + 1)
        ).unique()
    )
    next_cursor = _cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return QueuePage(
        cases=rows[:page_size],
        total=min(total, COUNT_CAP),
        next_cursor=next_cursor,
        total_capped=total > COUNT_CAP,
    )


def pending_erasure_count(user: User) -> int:
    """Erasure requests awaiting a decision in the user's offices (a partial index
    holds just those cases)."""
    if not user.office_ids:
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.office_id.in_(sorted(user.office_ids)),
                Case.erasure_requested_at.is_not(None),
            )
        )
        or 0
    )


def sla_state(case: Case, now: datetime | None = None) -> str:
    """ "answered", "overdue", "due_soon" or "on_time" for the first response."""
    if case.first_response_at is not None:
        return "answered"
    if case.status not in OPEN_STATUSES:
        return "answered"
    now = now or utcnow()
    if case.first_response_due_at < now:
        return "overdue"
    if case.first_response_due_at - now < DUE_SOON:
        return "due_soon"
    return "on_time"


def case_with_timeline(case_id: int) -> Case:
    """The case page's case with everything it shows, loaded in a fixed number of queries."""
    return db.session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.municipality),
            joinedload(Case.office),
            joinedload(Case.contact),
            joinedload(Case.requester_type),
            joinedload(Case.channel),
            joinedload(Case.assignee).options(*BY_NAME),
            selectinload(Case.topics),
            selectinload(Case.attachments),
            selectinload(Case.entries).options(
                joinedload(CaseEntry.author).options(*BY_NAME),
                joinedload(CaseEntry.assignee).options(*BY_NAME),
                joinedload(CaseEntry.from_office),
                joinedload(CaseEntry.to_office),
            ),
        )
        .execution_options(populate_existing=True)
    ).one()


def other_cases_of_contact(case: Case, user: User) -> list[Case]:
    """The contact's other cases that this user may open."""
    if case.contact_id is None:
        return []
    return list(
        db.session.scalars(
            select(Case)
            .where(
                Case.contact_id == case.contact_id,
                Case.id != case.id,
                or_(Case.office_id.in_(sorted(user.office_ids)), Case.assignee_id == user.id),
            )
            .order_by(Case.received_at.desc())
            .limit(20)
        )
    )
