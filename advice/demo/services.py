"""Demo data: staff accounts to sign in with, and realistic cases at any scale.

Staff go through ``create_user`` like every other account. Cases do not go through
``create_case``: a million ORM round trips would take hours, so rows are built in memory
(``advice.demo.generator``) and written in bulk, with COPY on PostgreSQL and executemany
on SQLite. The rules ``create_case`` enforces still hold: references come from the same
counter, the office is the municipality's office, the first response is due by the same
service level, and every case is in the search index (indexed in bulk, chunk by chunk).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from random import Random
from typing import Any

from psycopg import sql
from psycopg.types.json import JsonDumper
from sqlalchemy import Table, func, insert, select

from advice.accounts.models import User, UserRole, user_offices
from advice.accounts.services import create_user
from advice.cases.models import Case, CaseEntry, Contact, TrackingToken, case_topics
from advice.cases.references import reserve_reference_block
from advice.cases.search import index_cases
from advice.clock import utcnow
from advice.database import is_postgresql
from advice.demo.generator import (
    CASE_COLUMNS,
    CASE_TOPIC_COLUMNS,
    CONTACT_COLUMNS,
    ENTRY_COLUMNS,
    TRACKING_TOKEN_COLUMNS,
    CaseBuilder,
    Chunk,
    FirstIds,
    MunicipalityRef,
    OfficeRef,
    RegionSnapshot,
    Row,
    StaffRef,
    cases_per_year,
    plan_days,
)
from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.regions.services import setting
from advice.taxonomy.models import Channel, RequesterType, Topic

# --- Staff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStaff:
    email: str
    name: str
    role: str
    office: str | None = None
    # The accounts the product description promises; the others only fill offices.
    promised: bool = False


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("adviser@example.org", "Anna Lindqvist", "adviser", "stockholm", promised=True),
    DemoStaff("adviser2@example.org", "Erik Johansson", "adviser", "sodertorn", promised=True),
    DemoStaff("coordinator@example.org", "Maria Svensson", "coordinator", promised=True),
    DemoStaff("admin@example.org", "Lars Berg", "admin", promised=True),
    # Stockholm has about a third of the region's cases, so it gets a second adviser.
    DemoStaff("adviser.stockholm@example.org", "Emma Ström", "adviser", "stockholm"),
    DemoStaff("adviser.norrort@example.org", "Karin Nilsson", "adviser", "norrort"),
    DemoStaff("adviser.nordvast@example.org", "Johan Sjöberg", "adviser", "nordvast"),
    DemoStaff("adviser.sodertalje@example.org", "Sara Öberg", "adviser", "sodertalje"),
    DemoStaff("adviser.ostra@example.org", "Peter Åberg", "adviser", "ostra"),
)
# For offices of a region the list above does not know.
SPARE_ADVISER_NAMES = (
    "Linnéa Holm",
    "Mårten Ekström",
    "Ingrid Falk",
    "Björn Hedlund",
    "Åsa Nyberg",
    "Göran Wallin",
)


def ensure_demo_staff(password: str) -> list[str]:
    """Create the demo accounts that do not exist yet; return their email addresses.

    Existing accounts are left alone, passwords included: running ``demo`` again must not
    undo a password someone has changed. Every office ends up with at least one adviser,
    so that every demo case can have an assignee.
    """
    offices = list(db.session.scalars(select(Office).order_by(Office.id)))
    codes = {office.code for office in offices}
    # In another region the promised advisers take that region's first offices.
    stand_ins = iter(office.code for office in offices)
    existing = set(db.session.scalars(select(User.email)))
    created: list[str] = []
    for staff in DEMO_STAFF:
        office = staff.office
        if office is not None and office not in codes:
            if not staff.promised:
                continue
            office = next(stand_ins, None)
        if staff.email in existing:
            continue
        create_user(staff.email, staff.name, password, (staff.role,), (office,) if office else ())
        created.append(staff.email)

    staffed = set(
        db.session.scalars(
            select(user_offices.c.office_id)
            .join(User, User.id == user_offices.c.user_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "adviser", User.active.is_(True))
        )
    )
    names = iter(SPARE_ADVISER_NAMES * (len(offices) // len(SPARE_ADVISER_NAMES) + 1))
    for office in offices:
        email = f"adviser.{office.code}@example.org"
        if office.id in staffed or email in existing or email in created:
            continue
        create_user(email, next(names), password, ("adviser",), (office.code,))
        created.append(email)
    return created


# --- Cases ----------------------------------------------------------------------------


def seed_data_present() -> bool:
    """Cases need municipalities, offices and taxonomies; ``flask seed`` provides them."""
    return all(
        db.session.scalar(select(model.id).limit(1)) is not None
        for model in (Municipality, Office, Topic, Channel)
    )


def read_region() -> RegionSnapshot:
    """Everything a demo case points at, read once so the generator never queries."""
    advisers: dict[int, list[StaffRef]] = {}
    rows = db.session.execute(
        select(user_offices.c.office_id, User.id, User.name)
        .join(User, User.id == user_offices.c.user_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "adviser", User.active.is_(True))
        .order_by(User.id)
    )
    for office_id, user_id, name in rows:
        advisers.setdefault(office_id, []).append(StaffRef(user_id, name))
    offices = {
        office.id: OfficeRef(office.id, office.name, tuple(advisers.get(office.id, ())))
        for office in db.session.scalars(select(Office))
    }
    municipalities = tuple(
        MunicipalityRef(m.id, m.code, m.name, m.office_id)
        for m in db.session.scalars(select(Municipality).order_by(Municipality.code))
    )
    topics = list(db.session.scalars(select(Topic).where(Topic.active.is_(True))))
    return RegionSnapshot(
        municipalities=municipalities,
        offices=offices,
        topic_ids={topic.code: topic.id for topic in topics},
        topic_labels_sv={topic.code: topic.label_sv for topic in topics},
        requester_type_ids=_active_codes(RequesterType),
        channel_ids=_active_codes(Channel),
        reference_prefix=setting("reference_prefix") or "EK",
        sla_working_days=int(setting("sla_working_days") or 2),
    )


def _active_codes(model: type[RequesterType] | type[Channel]) -> dict[str, int]:
    rows = db.session.execute(select(model.code, model.id).where(model.active.is_(True)))
    return {code: id_ for code, id_ in rows}


def _first_ids() -> FirstIds:
    """The next free primary keys. The demo writes explicit ids so rows can refer to each
    other without a round trip; it is meant for a database nobody else writes to meanwhile.
    """

    def after_max(column: Any) -> int:
        return (db.session.scalar(select(func.max(column))) or 0) + 1

    return FirstIds(
        contact=after_max(Contact.id), case=after_max(Case.id), entry=after_max(CaseEntry.id)
    )


@dataclass(frozen=True)
class DemoProgress:
    cases: int
    contacts: int
    entries: int


def create_demo_cases(
    count: int, *, seed: int = 2026, now: datetime | None = None, chunk_size: int = 10_000
) -> Iterator[DemoProgress]:
    """Add ``count`` cases, one chunk per step; the caller commits after every step.

    A chunk is whole: its cases arrive with their contacts, topics, timelines and tracking
    tokens, so a commit between chunks never leaves a half-written case, and memory stays
    flat however many cases are asked for. Reference numbers are reserved up front, one
    block per year, in the first chunk's transaction; should a run stop early, the unused
    numbers are a gap, never a duplicate.

    The same seed on the same database gives the same cases (the seed is combined with the
    first free case id, so a second run adds different cases rather than copies).
    """
    if count <= 0:
        return
    now = now or utcnow()
    region = read_region()
    first_ids = _first_ids()
    rng = Random(f"{seed}:{first_ids.case}")
    plan = plan_days(count, rng, now, region.sla_working_days)
    first_numbers = {
        year: reserve_reference_block(year, size) for year, size in cases_per_year(plan).items()
    }
    builder = CaseBuilder(
        region,
        rng,
        now,
        first_ids,
        first_numbers,
        # fornamn.efternamn@example.com without a number is safe only in an empty table.
        plain_emails=first_ids.contact == 1,
    )
    write = _copy_chunk if is_postgresql() else _insert_chunk
    case_id = CASE_COLUMNS.index("id")
    for chunk in builder.build(plan, chunk_size):
        write(chunk)
        # Searchable in the same transaction, as a case made by create_case is: the chunk's
        # cases are read back and indexed in bulk (one COPY and INSERT on PostgreSQL).
        if chunk.cases:
            ids = [row[case_id] for row in chunk.cases]
            index_cases(min(ids), max(ids))
        yield DemoProgress(len(chunk.cases), len(chunk.contacts), len(chunk.entries))


def _tables(chunk: Chunk) -> Sequence[tuple[Table, tuple[str, ...], list[Row]]]:
    """The chunk's rows per table, parents before children for the foreign keys."""
    return (
        (Contact.__table__, CONTACT_COLUMNS, chunk.contacts),
        (Case.__table__, CASE_COLUMNS, chunk.cases),
        (case_topics, CASE_TOPIC_COLUMNS, chunk.case_topics),
        (CaseEntry.__table__, ENTRY_COLUMNS, chunk.entries),
        (TrackingToken.__table__, TRACKING_TOKEN_COLUMNS, chunk.tracking_tokens),
    )  # type: ignore[return-value]


def _copy_chunk(chunk: Chunk) -> None:
    """PostgreSQL: COPY on the session's own connection, inside its transaction.

    COPY streams rows without a statement per row; it is what makes a million cases a
    matter of minutes. Because the ids were chosen here, the id sequences are moved past
    them in the same transaction, so the app's own inserts carry on from there.
    """
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        # The timeline's JSON details arrive as dicts; only this cursor learns to send them.
        cursor.adapters.register_dumper(dict, JsonDumper)
        for table, columns, rows in _tables(chunk):
            if not rows:
                continue
            statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
                table=sql.Identifier(table.name),
                columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            )
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        for table in (Contact.__table__, Case.__table__, CaseEntry.__table__):
            cursor.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'), max(id)) FROM {table}"
                ).format(name=sql.Literal(table.name), table=sql.Identifier(table.name))
            )


def _insert_chunk(chunk: Chunk) -> None:
    """SQLite: one executemany per table; the column types convert datetimes and JSON."""
    for table, columns, rows in _tables(chunk):
        if rows:
            db.session.execute(
                insert(table), [dict(zip(columns, row, strict=True)) for row in rows]
            )
