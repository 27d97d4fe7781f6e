"""Realistic demo cases, built in memory one chunk at a time, ready for bulk insertion.

Nothing here touches the database. The caller reads what cases refer to (municipalities,
offices, advisers, taxonomy ids) into a ``RegionSnapshot``, reserves the reference numbers
and the primary keys, and receives plain tuples in the column order of the ``*_COLUMNS``
constants, which go straight into COPY or executemany. Keeping the ORM out of the loop is
what lets a million cases be built in minutes.

Inside the loop times are POSIX seconds (ints): arithmetic on ints is much cheaper than on
datetimes. They become aware UTC datetimes only as they are written into a row.

The timelines follow what ``advice.cases.services`` records for the same actions: a claim
writes an assignment and a status change, a reply that changes the status is followed by
a status change, a requester's message reopens a case that was waiting, a logged call or
visit counts as the first response.
"""

from __future__ import annotations

import hashlib
import heapq
import secrets
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate
from random import Random
from typing import Any

from advice.cases.references import format_reference
from advice.cases.sla import LOCAL_ZONE, first_response_due, is_working_day
from advice.demo import corpus
from advice.demo.corpus import Exchange, Question

Row = tuple[Any, ...]

CONTACT_COLUMNS = (
    "id",
    "name",
    "email",
    "email_normalised",
    "phone",
    "phone_normalised",
    "language",
    "created_at",
)
CASE_COLUMNS = (
    "id",
    "reference",
    "reference_year",
    "reference_number",
    "municipality_id",
    "office_id",
    "contact_id",
    "requester_type_id",
    "channel_id",
    "assignee_id",
    "created_by_id",
    "status",
    "priority",
    "language",
    "question",
    "property_type",
    "year_built",
    "heated_area_m2",
    "heating_system",
    "received_at",
    "first_response_due_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "minutes_spent",
    "consent_at",
    "consent_notice_version",
    "satisfaction",
    "satisfaction_comment",
    "version",
)
CASE_TOPIC_COLUMNS = ("case_id", "topic_id")
ENTRY_COLUMNS = (
    "id",
    "case_id",
    "kind",
    "is_public",
    "author_id",
    "body",
    "minutes",
    "old_status",
    "new_status",
    "assignee_id",
    "details",
    "created_at",
)
TRACKING_TOKEN_COLUMNS = ("token_hash", "case_id", "created_at")

CONSENT_NOTICE_VERSION = "2026-01"
DAY = 86_400
HOUR = 3_600

# --- When questions arrive ------------------------------------------------------------

# January to December: the heating season brings the questions, July is quiet.
MONTH_WEIGHTS = (1.30, 1.25, 1.15, 0.95, 0.80, 0.60, 0.35, 0.70, 1.10, 1.30, 1.35, 0.95)
# Web forms arrive on days off too, but far fewer than on working days.
SATURDAY_WEIGHT, SUNDAY_WEIGHT, HOLIDAY_WEIGHT = 0.22, 0.28, 0.25
# Energy advice has been asked for a little more each year.
YEARLY_GROWTH = 0.15
# Local hour of day 0..23. Phones and visits follow office hours; the web form does not.
HOUR_WEIGHTS_WORKING = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 3, 8, 10, 10, 9,
    6, 9, 9, 8, 6, 4, 3.5, 3.5, 3.5, 3, 2, 1,
)  # fmt: skip
HOUR_WEIGHTS_DAY_OFF = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.5, 1.5, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 1,
)  # fmt: skip
OFFICE_OPENS, OFFICE_CLOSES = 8 * HOUR, 17 * HOUR

CHANNELS_OFFICE_HOURS = {
    "web": 60,
    "phone": 20,
    "email": 10,
    "office_visit": 3,
    "home_visit": 2,
    "event": 3,
    "other": 2,
}
CHANNELS_OUT_OF_HOURS = {"web": 86, "email": 11, "event": 3}
# Channels where an adviser meets the requester and the case is logged afterwards.
IN_PERSON = frozenset({"phone", "office_visit", "home_visit"})

# --- What cases are like --------------------------------------------------------------

GROUP_OF_REQUESTER = {
    "private_house": "house",
    "private_flat": "flat",
    "brf": "org",
    "property_owner": "org",
    "company": "business",
    "association": "business",
    "other": "any",
}
TOPIC_WEIGHTS: dict[str, dict[str, float]] = {
    "private_house": {
        "heating": 28, "solar": 18, "insulation": 12, "electricity_prices": 9, "grants": 9,
        "energy_use": 7, "ventilation": 6, "transport": 6, "energy_certificate": 2,
        "district_heating": 2, "other": 1,
    },
    "private_flat": {
        "electricity_prices": 28, "energy_use": 18, "ventilation": 14, "other": 10,
        "transport": 8, "solar": 5, "heating": 4, "district_heating": 4, "brf": 4, "grants": 3,
    },
    "brf": {
        "brf": 30, "solar": 16, "transport": 14, "district_heating": 10,
        "energy_certificate": 9, "ventilation": 8, "heating": 6, "grants": 5, "energy_use": 2,
    },
    "property_owner": {
        "energy_certificate": 18, "heating": 14, "solar": 14, "district_heating": 12,
        "energy_use": 12, "ventilation": 10, "grants": 10, "electricity_prices": 5, "business": 5,
    },
    "company": {
        "business": 40, "solar": 18, "electricity_prices": 14, "transport": 10, "grants": 10,
        "energy_use": 8,
    },
    "association": {
        "business": 18, "energy_use": 18, "grants": 18, "heating": 16, "solar": 14,
        "electricity_prices": 8, "other": 8,
    },
    "other": {
        "other": 40, "heating": 10, "solar": 10, "energy_use": 10, "electricity_prices": 10,
        "grants": 10, "transport": 10,
    },
}  # fmt: skip
# A second or third topic is usually a neighbour of the first.
RELATED_TOPICS: dict[str, tuple[str, ...]] = {
    "heating": ("grants", "energy_use", "electricity_prices", "insulation"),
    "district_heating": ("heating", "energy_use", "brf"),
    "solar": ("grants", "electricity_prices", "transport"),
    "insulation": ("grants", "ventilation", "heating"),
    "ventilation": ("heating", "insulation"),
    "electricity_prices": ("energy_use", "solar", "heating"),
    "energy_use": ("electricity_prices", "heating"),
    "transport": ("solar", "grants", "electricity_prices"),
    "grants": ("heating", "solar", "insulation"),
    "energy_certificate": ("heating", "insulation", "brf"),
    "brf": ("solar", "transport", "district_heating", "ventilation"),
    "business": ("solar", "energy_use", "electricity_prices"),
    "other": ("energy_use", "heating"),
}

# Status by the case's age in days: young cases are open, old ones resolved or closed.
STATUS_BY_AGE: tuple[tuple[float, dict[str, float]], ...] = (
    (1, {"new": 55, "assigned": 25, "in_progress": 8, "waiting": 2, "resolved": 10}),
    (3, {"new": 20, "assigned": 20, "in_progress": 15, "waiting": 10, "resolved": 35}),
    (14, {"new": 4, "assigned": 8, "in_progress": 14, "waiting": 12, "resolved": 52,
          "closed": 10}),
    (45, {"new": 0.5, "assigned": 2, "in_progress": 4, "waiting": 6, "resolved": 40,
          "closed": 47.5}),
    (float("inf"), {"new": 0.1, "assigned": 0.2, "in_progress": 0.7, "waiting": 1,
                    "resolved": 8, "closed": 90}),
)  # fmt: skip

HOUSE_TYPES = {"detached": 68, "terraced": 27, "holiday_home": 5}
# (first year, last year, weight) of the houses people ask about: most are from the 1960s
# and 1970s, when much of the county's villas were built.
HOUSE_ERAS = ((1900, 1944, 8), (1945, 1964, 12), (1965, 1979, 38), (1980, 1999, 24),
              (2000, 2024, 18))  # fmt: skip
BUILDING_ERAS = ((1900, 1944, 15), (1945, 1964, 20), (1965, 1979, 30), (1980, 1999, 20),
                 (2000, 2022, 15))  # fmt: skip
# Heating of houses by era (same order as HOUSE_ERAS).
HOUSE_HEATING_BY_ERA: tuple[dict[str, float], ...] = (
    {"ground_source_heat_pump": 25, "air_water_heat_pump": 20, "air_air_heat_pump": 12,
     "direct_electric": 5, "electric_boiler": 10, "pellets_wood": 12, "oil": 6,
     "district_heating": 4, "other": 6},
    {"ground_source_heat_pump": 25, "air_water_heat_pump": 18, "air_air_heat_pump": 12,
     "direct_electric": 8, "electric_boiler": 12, "pellets_wood": 8, "oil": 6,
     "district_heating": 6, "other": 5},
    {"direct_electric": 28, "ground_source_heat_pump": 20, "air_water_heat_pump": 14,
     "air_air_heat_pump": 16, "electric_boiler": 8, "district_heating": 6, "pellets_wood": 3,
     "oil": 2, "exhaust_air_heat_pump": 1, "other": 2},
    {"exhaust_air_heat_pump": 20, "direct_electric": 18, "ground_source_heat_pump": 20,
     "air_water_heat_pump": 12, "air_air_heat_pump": 10, "district_heating": 12,
     "electric_boiler": 4, "other": 4},
    {"exhaust_air_heat_pump": 32, "ground_source_heat_pump": 20, "air_water_heat_pump": 22,
     "district_heating": 16, "direct_electric": 3, "air_air_heat_pump": 3, "other": 4},
)  # fmt: skip
BUILDING_HEATING = {
    "district_heating": 70,
    "exhaust_air_heat_pump": 12,
    "ground_source_heat_pump": 12,
    "other": 6,
}
PREMISES_HEATING = {
    "district_heating": 40,
    "air_water_heat_pump": 15,
    "ground_source_heat_pump": 15,
    "direct_electric": 10,
    "oil": 5,
    "other": 15,
}
# Electricity per m² and year by heating, on top of about 4 000 kWh of household use.
ELECTRIC_HEATING_KWH_PER_M2 = {
    "direct_electric": (110, 150),
    "electric_boiler": (115, 155),
    "air_air_heat_pump": (75, 105),
    "ground_source_heat_pump": (40, 60),
    "air_water_heat_pump": (45, 65),
    "exhaust_air_heat_pump": (45, 65),
}
# Share of requesters who also fill in the optional property facts, by group.
FACTS_FILLED = {"house": 0.85, "flat": 0.30, "org": 0.55, "business": 0.30, "any": 0.0}
# The amount in a quote or fee the requester mentions, by topic: (low, high, step) in kr.
AMOUNTS = {
    "heating": (120_000, 240_000, 5_000),
    "district_heating": (40_000, 120_000, 5_000),
    "insulation": (60_000, 250_000, 5_000),
    "ventilation": (40_000, 180_000, 5_000),
    "transport": (15_000, 35_000, 1_000),
    "grants": (100_000, 300_000, 10_000),
}
DEFAULT_AMOUNT = (20_000, 150_000, 5_000)

# How many cases one requester brings over the two years, and when they come back.
CASES_PER_CONTACT = {1: 80, 2: 14, 3: 6}
RETURN_AFTER_DAYS = (7, 300)
ENGLISH_SHARE = 0.05
PHONE_SHARE = 0.40
MOBILE_PREFIXES = ("070", "072", "073", "076", "079")
PRIORITIES = {"normal": 90, "low": 7, "high": 3}
SATISFACTION_SCORES = {5: 50, 4: 30, 3: 11, 2: 5, 1: 4}

# ASCII for e-mail addresses: "Åsa Öberg" writes from asa.oberg@example.com.
EMAIL_LETTERS = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "í": "i",
                               "'": "", " ": ""})  # fmt: skip


# --- What the caller passes in and gets back ------------------------------------------


@dataclass(frozen=True)
class MunicipalityRef:
    id: int
    code: str
    name: str
    office_id: int


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str


@dataclass(frozen=True)
class OfficeRef:
    id: int
    name: str
    advisers: tuple[StaffRef, ...]


@dataclass(frozen=True)
class RegionSnapshot:
    """What the generated rows point at, read from the database once per run."""

    municipalities: tuple[MunicipalityRef, ...]
    offices: dict[int, OfficeRef]
    topic_ids: dict[str, int]
    topic_labels_sv: dict[str, str]
    requester_type_ids: dict[str, int]
    channel_ids: dict[str, int]
    reference_prefix: str
    sla_working_days: int


@dataclass(frozen=True)
class FirstIds:
    """The first primary key each table may use: rows link up without round trips."""

    contact: int
    case: int
    entry: int


@dataclass
class Chunk:
    contacts: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    case_topics: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    tracking_tokens: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Day:
    """One local calendar day of the period, with what every case received on it shares."""

    start: int  # POSIX seconds at local midnight
    year: int  # the local year, which the reference carries
    working: bool
    first_response_due: int  # POSIX seconds: same for every case received on this day
    utc_offset: int  # seconds east of UTC, for office-hour arithmetic


def plan_days(
    count: int, rng: Random, now: datetime, sla_working_days: int, span_days: int = 730
) -> list[tuple[Day, int]]:
    """How many of ``count`` cases arrive on each of the last ``span_days`` days.

    Deciding the per-day counts first (a few hundred numbers) lets the caller reserve one
    block of reference numbers per year before any case exists, and then generate cases in
    time order, chunk by chunk, without holding a million timestamps in memory.
    """
    today = now.astimezone(LOCAL_ZONE).date()
    days: list[Day] = []
    weights: list[float] = []
    for offset in range(span_days - 1, -1, -1):
        date_ = today - timedelta(days=offset)
        noon = datetime.combine(date_, time(12), tzinfo=LOCAL_ZONE)
        working = is_working_day(date_)
        days.append(
            Day(
                start=int(datetime.combine(date_, time(0), tzinfo=LOCAL_ZONE).timestamp()),
                year=date_.year,
                working=working,
                first_response_due=int(first_response_due(noon, sla_working_days).timestamp()),
                utc_offset=int(noon.utcoffset().total_seconds()),  # type: ignore[union-attr]
            )
        )
        if working:
            weekday_weight = 1.0
        elif date_.weekday() == 5:
            weekday_weight = SATURDAY_WEIGHT
        elif date_.weekday() == 6:
            weekday_weight = SUNDAY_WEIGHT
        else:
            weekday_weight = HOLIDAY_WEIGHT
        growth = 1 + YEARLY_GROWTH * (span_days - offset) / 365
        weights.append(MONTH_WEIGHTS[date_.month - 1] * weekday_weight * growth)
    # Today has only had the hours up to now.
    hour_weights = HOUR_WEIGHTS_WORKING if days[-1].working else HOUR_WEIGHTS_DAY_OFF
    elapsed_hours = (int(now.timestamp()) - days[-1].start) / HOUR
    weights[-1] *= sum(hour_weights[: int(elapsed_hours)]) / sum(hour_weights)

    cumulative = list(accumulate(weights))
    counts: Counter[int] = Counter()
    indexes = range(len(days))
    remaining = count
    # In batches: a million samples at once would sit in memory as a million ints.
    while remaining:
        batch = min(remaining, 100_000)
        counts.update(rng.choices(indexes, cum_weights=cumulative, k=batch))
        remaining -= batch
    return [(day, counts[index]) for index, day in enumerate(days) if counts[index]]


def cases_per_year(plan: Sequence[tuple[Day, int]]) -> dict[int, int]:
    totals: Counter[int] = Counter()
    for day, count in plan:
        totals[day.year] += count
    return dict(sorted(totals.items()))


# --- The builder ----------------------------------------------------------------------


class _Chooser:
    """Weighted choice among fixed options, with the cumulative weights computed once."""

    __slots__ = ("cumulative", "options", "total")

    def __init__(self, weights: dict[Any, float]) -> None:
        self.options = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: Random) -> Any:
        return self.options[bisect(self.cumulative, rng.random() * self.total)]


@dataclass(eq=False)
class _Place:
    municipality: MunicipalityRef
    office: OfficeRef
    requester_types: _Chooser


@dataclass(eq=False)
class _Household:
    """A requester and the building they ask about; it stays the same when they return."""

    contact_id: int
    first_name: str
    name: str
    language: str
    place: _Place
    requester_type: str
    group: str
    furnished: bool = False
    facts_filled: bool = False
    property_type: str | None = None
    house_words: int = 0
    year_built: int = 0
    area: int = 0
    heating: str = "other"
    kwh: int = 0
    flats: int = 0
    visits_left: int = 0


class _Slots(dict[str, str]):
    """Template values for one case, made on first use so unused slots cost nothing."""

    def __init__(self, make: Callable[[_Slots, str], str], household: _Household, topic: str):
        super().__init__()
        self.make = make
        self.household = household
        self.topic = topic

    def __missing__(self, key: str) -> str:
        value = self.make(self, key)
        self[key] = value
        return value


def _sv_number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _en_number(value: int) -> str:
    return f"{value:,}"


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class CaseBuilder:
    """Builds cases in time order; one instance per run, since it holds the counters."""

    def __init__(
        self,
        region: RegionSnapshot,
        rng: Random,
        now: datetime,
        first_ids: FirstIds,
        first_numbers: dict[int, int],
        plain_emails: bool,
    ) -> None:
        self.region = region
        self.rng = rng
        self.now = int(now.timestamp())
        self.next_contact_id = first_ids.contact
        self.next_case_id = first_ids.case
        self.next_entry_id = first_ids.entry
        self.next_numbers = dict(first_numbers)
        # fornamn.efternamn@example.com, unnumbered, only when no contact exists yet:
        # then no earlier row can hold the same address.
        self.plain_emails = plain_emails
        self.used_addresses: set[str] = set()
        self.returning: list[tuple[int, int, _Household]] = []

        self.places = [
            self._place(m) for m in region.municipalities if m.office_id in region.offices
        ]
        if not self.places:
            raise ValueError("the demo needs municipalities with offices; run `flask seed`")
        self.place_chooser = _Chooser(
            {
                index: self._profile(place.municipality.code)[0]
                * (0.35 + self._profile(place.municipality.code)[1])
                for index, place in enumerate(self.places)
            }
        )
        known_topics = set(region.topic_ids) & set(corpus.QUESTIONS_SV)
        if not known_topics:
            raise ValueError("the demo needs the seeded topics; run `flask seed`")
        self.topics = {
            requester: _Chooser({t: w for t, w in weights.items() if t in known_topics})
            for requester, weights in TOPIC_WEIGHTS.items()
            if any(t in known_topics for t in weights)
        }
        self.related = {
            topic: tuple(t for t in related if t in known_topics)
            for topic, related in RELATED_TOPICS.items()
        }
        self.channels_office_hours = _Chooser(CHANNELS_OFFICE_HOURS)
        self.channels_out_of_hours = _Chooser(CHANNELS_OUT_OF_HOURS)
        self.statuses = [(limit * DAY, _Chooser(weights)) for limit, weights in STATUS_BY_AGE]
        self.house_types = _Chooser(HOUSE_TYPES)
        self.house_eras = _Chooser({index: era[2] for index, era in enumerate(HOUSE_ERAS)})
        self.building_eras = _Chooser({index: era[2] for index, era in enumerate(BUILDING_ERAS)})
        self.house_heating = [_Chooser(weights) for weights in HOUSE_HEATING_BY_ERA]
        self.terraced_heating = [
            _Chooser({**weights, "district_heating": weights.get("district_heating", 0) * 3})
            for weights in HOUSE_HEATING_BY_ERA
        ]
        self.building_heating = _Chooser(BUILDING_HEATING)
        self.premises_heating = _Chooser(PREMISES_HEATING)
        self.visits = _Chooser(CASES_PER_CONTACT)
        self.priorities = _Chooser(PRIORITIES)
        self.scores = _Chooser(SATISFACTION_SCORES)
        self.hours_working = list(accumulate(HOUR_WEIGHTS_WORKING))
        self.hours_day_off = list(accumulate(HOUR_WEIGHTS_DAY_OFF))
        self.questions = {
            (language, topic, group): self._candidates(questions[topic], group)
            for language, questions in (("sv", corpus.QUESTIONS_SV), ("en", corpus.QUESTIONS_EN))
            for topic in known_topics
            for group in set(GROUP_OF_REQUESTER.values())
        }
        self.slot_makers = self._slot_makers()
        self.notes = {
            topic: corpus.NOTES_SV[""] + corpus.NOTES_SV.get(topic, ()) for topic in known_topics
        }

    # -- Setup helpers ---------------------------------------------------------------

    @staticmethod
    def _profile(code: str) -> tuple[int, float]:
        return corpus.MUNICIPALITY_PROFILES.get(code, corpus.MIDDLE_PROFILE)

    def _place(self, municipality: MunicipalityRef) -> _Place:
        houses = self._profile(municipality.code)[1]
        weights = {
            "private_house": 8 + 70 * houses,
            "private_flat": 3 + 20 * (1 - houses),
            "brf": 2 + 20 * (1 - houses),
            "property_owner": 4,
            "company": 6,
            "association": 2,
            "other": 3,
        }
        return _Place(
            municipality=municipality,
            office=self.region.offices[municipality.office_id],
            requester_types=_Chooser(weights),
        )

    @staticmethod
    def _candidates(questions: Sequence[Question], group: str) -> tuple[Question, ...]:
        """Questions written for this kind of requester, plus those that suit anyone.

        A requester of type "other" may be anyone, so every question fits them.
        """
        if group == "any":
            return tuple(questions)
        fitting = tuple(q for q in questions if q.audience in (group, "any"))
        return fitting or tuple(questions)

    # -- The run ---------------------------------------------------------------------

    def build(self, plan: Sequence[tuple[Day, int]], chunk_size: int) -> Iterator[Chunk]:
        """Cases in the order they were received, in chunks of about ``chunk_size``."""
        chunk = Chunk()
        for day, count in plan:
            for moment in self._moments(day, count):
                self._add_case(chunk, day, moment)
                if len(chunk.cases) >= chunk_size:
                    yield chunk
                    chunk = Chunk()
        if chunk.cases:
            yield chunk

    def _moments(self, day: Day, count: int) -> list[int]:
        hours = self.hours_working if day.working else self.hours_day_off
        chosen = self.rng.choices(range(24), cum_weights=hours, k=count)
        randrange = self.rng.randrange
        moments = [day.start + hour * HOUR + randrange(HOUR) for hour in chosen]
        if day.start + DAY > self.now:
            elapsed = max(self.now - day.start, 1)
            moments = [m if m < self.now else day.start + randrange(elapsed) for m in moments]
        moments.sort()
        return moments

    def _add_case(self, chunk: Chunk, day: Day, received: int) -> None:
        rng = self.rng
        seconds_into_day = received - day.start
        office_hours = day.working and OFFICE_OPENS <= seconds_into_day < OFFICE_CLOSES
        channel = (self.channels_office_hours if office_hours else self.channels_out_of_hours).pick(
            rng
        )
        household = self._household(chunk, received, channel)
        place = household.place
        language = household.language
        if not place.office.advisers:
            # Nobody there to take a call or type in an email: only the web form reaches it.
            channel = "web"

        topics = self._topics(household.requester_type)
        topic = topics[0]
        question = self._question(language, topic, household)
        if not household.furnished:
            self._furnish(household, question.heating)
        slots = _Slots(self._make_slot, household, topic)

        question_text = self._question_text(question, topics, channel, language, slots)

        age = self.now - received
        status = next(chooser for limit, chooser in self.statuses if age < limit).pick(rng)
        in_person = channel in IN_PERSON
        if in_person and status in ("new", "assigned"):
            # Whoever took the call or met the requester already holds the case.
            status = "in_progress"
        advisers = place.office.advisers
        adviser = rng.choice(advisers) if advisers and (status != "new" or in_person) else None
        if adviser is None:
            # An office without advisers cannot have worked on anything yet.
            status = "new"
        slots["radgivare"] = slots["adviser"] = adviser.name if adviser else ""
        slots["kontor"] = slots["office"] = place.office.name

        case_id = self.next_case_id
        self.next_case_id += 1
        timeline = _Timeline(self, case_id, received, max(self.now - 30, received), day)
        self._play(timeline, status, channel, adviser, topic, question, slots, language)

        number = self.next_numbers[day.year]
        self.next_numbers[day.year] = number + 1
        facts = household.facts_filled
        received_at = _utc(received)
        chunk.cases.append(
            (
                case_id,
                format_reference(self.region.reference_prefix, day.year, number),
                day.year,
                number,
                place.municipality.id,
                place.office.id,
                household.contact_id,
                self.region.requester_type_ids.get(household.requester_type),
                self.region.channel_ids.get(channel)
                or next(iter(self.region.channel_ids.values())),
                adviser.id if adviser else None,
                # Everything but the web form is typed in by an adviser.
                adviser.id if adviser and channel != "web" else None,
                timeline.status,
                self.priorities.pick(rng),
                language,
                question_text,
                household.property_type if facts else None,
                household.year_built if facts and household.year_built else None,
                household.area if facts and household.area else None,
                household.heating if facts and household.group != "flat" else None,
                received_at,
                _utc(day.first_response_due),
                _utc(timeline.first_response) if timeline.first_response else None,
                _utc(timeline.resolved) if timeline.resolved else None,
                _utc(timeline.closed) if timeline.closed else None,
                _utc(timeline.last),
                timeline.minutes,
                received_at,
                CONSENT_NOTICE_VERSION,
                timeline.satisfaction,
                timeline.satisfaction_comment,
                1 + len(timeline.entries),
            )
        )
        topic_ids = self.region.topic_ids
        chunk.case_topics.extend((case_id, topic_ids[t]) for t in topics)
        chunk.entries.extend(timeline.entries)
        token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        chunk.tracking_tokens.append((token_hash, case_id, received_at))

    def _question_text(
        self, question: Question, topics: list[str], channel: str, language: str, slots: _Slots
    ) -> str:
        rng = self.rng
        english = language == "en"
        text = question.text
        if len(topics) > 1 and rng.random() < 0.7:
            add_ons = (corpus.ADD_ONS_EN if english else corpus.ADD_ONS_SV)[topics[1]]
            text = f"{text} {rng.choice(add_ons)}"
        parts = [text]
        # Greetings and signatures only where the requester typed the question themselves.
        if channel in ("web", "email"):
            if rng.random() < 0.55:
                openings = corpus.QUESTION_OPENINGS_EN if english else corpus.QUESTION_OPENINGS_SV
                parts.insert(0, rng.choice(openings))
            if rng.random() < 0.45:
                closings = corpus.QUESTION_CLOSINGS_EN if english else corpus.QUESTION_CLOSINGS_SV
                parts.append(rng.choice(closings))
        return "\n\n".join(parts).format_map(slots)

    # -- Requesters and their buildings ---------------------------------------------

    def _household(self, chunk: Chunk, received: int, channel: str) -> _Household:
        """A returning requester whose time has come, else a new one with a contact row."""
        rng = self.rng
        if self.returning and self.returning[0][0] <= received:
            household = heapq.heappop(self.returning)[2]
        else:
            household = self._new_household(chunk, received, channel)
        household.visits_left -= 1
        if household.visits_left > 0:
            back = received + rng.randint(*RETURN_AFTER_DAYS) * DAY
            heapq.heappush(self.returning, (back, household.contact_id, household))
        return household

    def _new_household(self, chunk: Chunk, received: int, channel: str) -> _Household:
        rng = self.rng
        contact_id = self.next_contact_id
        self.next_contact_id += 1
        language = "en" if rng.random() < ENGLISH_SHARE else "sv"
        if language == "en" and rng.random() < 0.7:
            first_name = rng.choice(corpus.INTERNATIONAL_FIRST_NAMES)
            last_name = rng.choice(corpus.INTERNATIONAL_SURNAMES)
        else:
            first_name = rng.choice(corpus.FIRST_NAMES)
            last_name = rng.choice(corpus.SURNAMES)
        name = f"{first_name} {last_name}"
        local_part = f"{first_name}.{last_name}".lower().translate(EMAIL_LETTERS)
        if self.plain_emails and local_part not in self.used_addresses:
            self.used_addresses.add(local_part)
        else:
            local_part = f"{local_part}{contact_id}"
        email = f"{local_part}@example.com"
        phone = phone_normalised = None
        if channel == "phone" or rng.random() < PHONE_SHARE:
            prefix = rng.choice(MOBILE_PREFIXES)
            digits = f"{rng.randrange(10_000_000):07d}"
            phone = f"{prefix}-{digits[:3]} {digits[3:5]} {digits[5:]}"
            phone_normalised = f"+46{prefix[1:]}{digits}"
        chunk.contacts.append(
            (contact_id, name, email, email, phone, phone_normalised, language, _utc(received))
        )
        place = self.places[self.place_chooser.pick(rng)]
        requester_type = place.requester_types.pick(rng)
        return _Household(
            contact_id=contact_id,
            first_name=first_name,
            name=name,
            language=language,
            place=place,
            requester_type=requester_type,
            group=GROUP_OF_REQUESTER[requester_type],
            visits_left=self.visits.pick(rng),
        )

    def _furnish(self, household: _Household, heating_choices: tuple[str, ...]) -> None:
        """The building behind the questions; the first question decides what it assumes."""
        rng = self.rng
        group = household.group
        household.furnished = True
        household.facts_filled = rng.random() < FACTS_FILLED[group]
        if group in ("house", "any"):
            property_type = self.house_types.pick(rng)
            era = self.house_eras.pick(rng)
            first, last, _ = HOUSE_ERAS[era]
            household.year_built = rng.randint(first, last)
            if property_type == "detached":
                household.area = int(rng.triangular(95, 230, 140))
                heating = self.house_heating[era].pick(rng)
            elif property_type == "terraced":
                household.area = int(rng.triangular(85, 150, 115))
                heating = self.terraced_heating[era].pick(rng)
            else:
                household.area = int(rng.triangular(40, 110, 70))
                heating = self.house_heating[era].pick(rng)
            household.property_type = property_type
            household.house_words = rng.randrange(len(corpus.HOUSE_WORDS_SV[property_type]))
        elif group == "org":
            first, last, _ = BUILDING_ERAS[self.building_eras.pick(rng)]
            household.year_built = rng.randint(first, last)
            household.flats = rng.randint(12, 220)
            household.area = household.flats * rng.randint(62, 80)
            commercial = household.requester_type == "property_owner" and rng.random() < 0.25
            household.property_type = "commercial" if commercial else "multi_dwelling"
            heating = self.building_heating.pick(rng)
        elif group == "business":
            household.property_type = "commercial"
            household.area = int(rng.triangular(80, 3_000, 400))
            heating = self.premises_heating.pick(rng)
        else:  # flat
            household.property_type = "flat"
            household.area = int(rng.triangular(30, 120, 65))
            heating = "district_heating"
        if heating_choices:
            heating = rng.choice(heating_choices)
        household.heating = heating
        if group == "flat":
            household.kwh = rng.randrange(1_500, 4_500, 100)
        elif heating in ELECTRIC_HEATING_KWH_PER_M2:
            low, high = ELECTRIC_HEATING_KWH_PER_M2[heating]
            household.kwh = round(household.area * rng.randint(low, high) + 4_000, -2)
        else:
            household.kwh = rng.randrange(5_000, 9_500, 100)

    def _topics(self, requester_type: str) -> list[str]:
        rng = self.rng
        chooser = self.topics.get(requester_type) or next(iter(self.topics.values()))
        main = chooser.pick(rng)
        topics = [main]
        roll = rng.random()
        extra = 2 if roll < 0.08 else 1 if roll < 0.38 else 0
        related = [t for t in self.related.get(main, ()) if t != main]
        while extra and related:
            topics.append(related.pop(rng.randrange(len(related))))
            extra -= 1
        return topics

    def _question(self, language: str, topic: str, household: _Household) -> Question:
        candidates = self.questions[(language, topic, household.group)]
        if household.furnished:
            # A returning requester still heats the same way.
            fitting = [q for q in candidates if not q.heating or household.heating in q.heating]
            if fitting:
                return self.rng.choice(fitting)
        return self.rng.choice(candidates)

    # -- Template values -------------------------------------------------------------

    def _make_slot(self, slots: _Slots, key: str) -> str:
        return self.slot_makers[key](slots)

    def _slot_makers(self) -> dict[str, Callable[[_Slots], str]]:
        rng = self.rng

        def amount(slots: _Slots) -> int:
            if slots.topic == "solar":
                return int(slots["kwp"]) * rng.randint(12, 17) * 1_000
            low, high, step = AMOUNTS.get(slots.topic, DEFAULT_AMOUNT)
            return rng.randrange(low, high + step, step)

        def house_words(slots: _Slots) -> tuple[str, str]:
            household = slots.household
            variants = corpus.HOUSE_WORDS_SV.get(household.property_type or "")
            return variants[household.house_words] if variants else ("ett hus", "vårt hus")

        def year(slots: _Slots) -> str:
            return str(slots.household.year_built or rng.randint(1960, 1990))

        def monthly(slots: _Slots) -> int:
            if slots.household.group == "flat":
                return rng.randrange(900, 2_450, 50)
            return rng.randrange(2_000, 6_600, 100)

        def flats(slots: _Slots) -> str:
            return str(slots.household.flats or rng.randint(12, 220))

        return {
            "kommun": lambda s: s.household.place.municipality.name,
            "municipality": lambda s: s.household.place.municipality.name,
            "ett_hus": lambda s: house_words(s)[0],
            "vart_hus": lambda s: house_words(s)[1],
            "a_house": lambda s: corpus.HOUSE_WORDS_EN.get(
                s.household.property_type or "", "a house"
            ),
            "ar": year,
            "year": year,
            "yta": lambda s: _sv_number(s.household.area),
            "area": lambda s: _en_number(s.household.area),
            "uppv": lambda s: corpus.HEATING_SV[s.household.heating],
            "heating": lambda s: corpus.HEATING_EN[s.household.heating],
            "kwh": lambda s: (_en_number if s.household.language == "en" else _sv_number)(
                s.household.kwh
            ),
            "kr": lambda s: _sv_number(amount(s)),
            "sek": lambda s: _en_number(amount(s)),
            "kwp": lambda s: str(rng.randint(5, 14)),
            "solprod": lambda s: _sv_number(round(int(s["kwp"]) * 900, -2)),
            "solar_kwh": lambda s: _en_number(round(int(s["kwp"]) * 900, -2)),
            "manadskostnad": lambda s: _sv_number(monthly(s)),
            "monthly": lambda s: _en_number(monthly(s)),
            "lgh": flats,
            "flats": flats,
            "procent": lambda s: str(rng.randint(4, 15)),
            "percent": lambda s: str(rng.randint(4, 15)),
            "anstallda": lambda s: str(rng.randint(3, 60)),
            "employees": lambda s: str(rng.randint(3, 60)),
            "kwh_foretag": lambda s: _sv_number(rng.randrange(40_000, 600_000, 5_000)),
            "business_kwh": lambda s: _en_number(rng.randrange(40_000, 600_000, 5_000)),
            "fornamn": lambda s: s.household.first_name,
            "first_name": lambda s: s.household.first_name,
            "namn": lambda s: s.household.name,
            "name": lambda s: s.household.name,
            "amne": lambda s: self.region.topic_labels_sv.get(s.topic, s.topic).lower(),
        }

    # -- Messages --------------------------------------------------------------------

    def reply(self, language: str, body: str, slots: _Slots) -> str:
        """An adviser's message to the requester: greeting, body, maybe a closing, name."""
        rng = self.rng
        if language == "en":
            greetings, closings = corpus.REPLY_GREETINGS_EN, corpus.REPLY_CLOSINGS_EN
            signature = corpus.REPLY_SIGNATURE_EN
        else:
            greetings, closings = corpus.REPLY_GREETINGS_SV, corpus.REPLY_CLOSINGS_SV
            signature = corpus.REPLY_SIGNATURE_SV
        parts = [rng.choice(greetings), body]
        if rng.random() < 0.5:
            parts.append(rng.choice(closings))
        parts.append(signature)
        return "\n\n".join(parts).format_map(slots)

    def exchange(self, exchanges: Sequence[Exchange], topic: str) -> Exchange:
        fitting = [e for e in exchanges if not e.topics or topic in e.topics]
        return self.rng.choice(fitting or exchanges)

    # -- Timelines -------------------------------------------------------------------

    def _play(
        self,
        timeline: _Timeline,
        status: str,
        channel: str,
        adviser: StaffRef | None,
        topic: str,
        question: Question,
        slots: _Slots,
        language: str,
    ) -> None:
        """Write the entries that lead from a new case to ``status``, in time order."""
        rng = self.rng
        english = language == "en"
        adviser_id = adviser.id if adviser else None
        answer_template = (corpus.ANSWERS_EN if english else corpus.ANSWERS_SV)[topic][
            question.answer
        ]

        def answer() -> str:
            return self.reply(language, answer_template, slots)

        if channel in IN_PERSON:
            if channel == "phone":
                minutes = rng.randint(5, 40)
                kind, summaries = "call", corpus.CALL_SUMMARIES_SV
            elif channel == "office_visit":
                minutes = rng.randint(20, 60)
                kind, summaries = "visit", corpus.OFFICE_VISIT_SUMMARIES_SV
            else:
                minutes = rng.randint(45, 90)
                kind, summaries = "visit", corpus.HOME_VISIT_SUMMARIES_SV
            timeline.contact(
                kind, timeline.received, adviser_id, rng.choice(summaries), minutes, slots
            )
            timeline.advance(minutes * 60, minutes * 60)
            if status == "in_progress":
                timeline.status_to("in_progress", adviser_id)
            elif status == "waiting":
                info = self.exchange(
                    corpus.INFO_REQUESTS_EN if english else corpus.INFO_REQUESTS_SV, topic
                )
                timeline.advance(HOUR, 2 * DAY, office=True)
                timeline.reply(self.reply(language, info.first, slots), adviser_id, "waiting")
            elif status in ("resolved", "closed"):
                if rng.random() < 0.3:
                    # A written summary of what was said, sent after the call or visit.
                    timeline.advance(HOUR, DAY, office=True)
                    timeline.reply(answer(), adviser_id, "resolved")
                else:
                    timeline.status_to("resolved", adviser_id)
            self._aftermath(timeline, status, adviser_id, language)
            return

        if channel == "event" and adviser_id:
            timeline.note(rng.choice(corpus.EVENT_NOTES_SV), timeline.received, adviser_id, slots)
        if status == "new":
            return
        if status == "assigned" or rng.random() < 0.35:
            timeline.advance(10 * 60, max(timeline.until_due() // 3, 20 * 60), office=True)
            timeline.claim(adviser_id)
        if status == "assigned":
            return
        if rng.random() < 0.10 and adviser_id:
            timeline.advance(5 * 60, 4 * HOUR, office=True)
            timeline.note(rng.choice(self.notes[topic]), timeline.now, adviser_id, slots)
        timeline.to_first_response(rng)

        if status == "in_progress":
            roll = rng.random()
            if roll < 0.55:
                timeline.reply(answer(), adviser_id, "in_progress")
            elif roll < 0.8:
                summary = rng.choice(corpus.CALL_SUMMARIES_SV)
                timeline.contact(
                    "call", timeline.now, adviser_id, summary, rng.randint(5, 30), slots
                )
                timeline.status_to("in_progress", adviser_id)
            else:
                timeline.status_to("in_progress", adviser_id)
            return
        if status == "waiting":
            info = self.exchange(
                corpus.INFO_REQUESTS_EN if english else corpus.INFO_REQUESTS_SV, topic
            )
            timeline.reply(self.reply(language, info.first, slots), adviser_id, "waiting")
            return

        roll = rng.random()
        if roll < 0.72:
            timeline.reply(answer(), adviser_id, "resolved")
        elif roll < 0.84:
            info = self.exchange(
                corpus.INFO_REQUESTS_EN if english else corpus.INFO_REQUESTS_SV, topic
            )
            timeline.reply(
                self.reply(language, info.first, slots), adviser_id, "waiting", minutes=(5, 12)
            )
            timeline.advance(2 * HOUR, 6 * DAY)
            timeline.requester_message(info.second.format_map(slots))
            timeline.advance(30 * 60, 3 * DAY, office=True)
            timeline.reply(answer(), adviser_id, "resolved")
        else:
            follow_up = self.exchange(
                corpus.FOLLOW_UPS_EN if english else corpus.FOLLOW_UPS_SV, topic
            )
            timeline.reply(answer(), adviser_id, "in_progress")
            timeline.advance(2 * HOUR, 10 * DAY)
            timeline.requester_message(follow_up.first.format_map(slots))
            timeline.advance(30 * 60, 3 * DAY, office=True)
            timeline.reply(
                self.reply(language, follow_up.second, slots),
                adviser_id,
                "resolved",
                minutes=(5, 20),
            )
        self._aftermath(timeline, status, adviser_id, language)

    def _aftermath(
        self, timeline: _Timeline, status: str, adviser_id: int | None, language: str
    ) -> None:
        """Rating and closing, for cases that reached resolved."""
        if status not in ("resolved", "closed"):
            return
        rng = self.rng
        timeline.resolved = timeline.now
        rating_at = closing_at = None
        if rng.random() < 0.2:
            rating_at = timeline.later(timeline.now, HOUR, 5 * DAY)
        if status == "closed":
            closing_at = timeline.later(timeline.now, 7 * DAY, 30 * DAY, office=True)
        english = language == "en"
        for at, action in sorted(
            ((at, action) for at, action in ((rating_at, "rate"), (closing_at, "close")) if at),
        ):
            if action == "rate":
                score = self.scores.pick(rng)
                comment = None
                if rng.random() < 0.35:
                    if score >= 4:
                        comments = (
                            corpus.SATISFACTION_PRAISE_EN
                            if english
                            else corpus.SATISFACTION_PRAISE_SV
                        )
                    else:
                        comments = (
                            corpus.SATISFACTION_CRITICISM_EN
                            if english
                            else corpus.SATISFACTION_CRITICISM_SV
                        )
                    comment = rng.choice(comments)
                timeline.satisfaction = score
                timeline.satisfaction_comment = comment
                timeline.entry("satisfaction", at, None, body=comment, details={"score": score})
            else:
                timeline.now = max(timeline.now, at)
                timeline.status_to("closed", adviser_id)
                timeline.closed = at


class _Timeline:
    """One case's entries and times while it is being built."""

    def __init__(self, builder: CaseBuilder, case_id: int, received: int, cap: int, day: Day):
        self.builder = builder
        self.rng = builder.rng
        self.case_id = case_id
        self.received = received
        self.day = day
        # Nothing may happen after the moment the demo runs.
        self.cap = cap
        self.now = received
        self.last = received
        self.status = "new"
        self.entries: list[Row] = []
        self.minutes = 0
        self.first_response: int | None = None
        self.resolved: int | None = None
        self.closed: int | None = None
        self.satisfaction: int | None = None
        self.satisfaction_comment: str | None = None

    def later(self, start: int, low: int, high: int, office: bool = False) -> int:
        moment = start + self.rng.randint(low, max(low, high))
        if office:
            moment = self._office_hours(moment)
        return min(moment, self.cap)

    def advance(self, low: int, high: int, office: bool = False) -> None:
        self.now = max(self.now, self.later(self.now, low, high, office))

    def until_due(self) -> int:
        return max(self.day.first_response_due - self.now, HOUR)

    def to_first_response(self, rng: Random) -> None:
        """Move to the first answer: mostly within the service level, some late."""
        due = self.day.first_response_due
        if rng.random() < 0.86:
            target = self.received + int((due - self.received) * (0.03 + 0.9 * rng.random() ** 2))
        else:
            target = due + rng.randint(HOUR, 4 * DAY)
        self.now = max(self.now, min(self._office_hours(target), self.cap))

    def _office_hours(self, moment: int) -> int:
        """The next moment on a weekday within office hours: advisers answer at work."""
        local = moment + self.day.utc_offset
        into_day = local % DAY
        if into_day < OFFICE_OPENS:
            moment += OFFICE_OPENS - into_day + self.rng.randrange(90 * 60)
        elif into_day >= OFFICE_CLOSES:
            moment += DAY - into_day + OFFICE_OPENS + self.rng.randrange(90 * 60)
        weekday = ((moment + self.day.utc_offset) // DAY + 3) % 7  # 1 January 1970: Thursday
        if weekday >= 5:
            moment += (7 - weekday) * DAY
        return moment

    def entry(
        self,
        kind: str,
        at: int,
        author_id: int | None,
        *,
        body: str | None = None,
        minutes: int | None = None,
        old_status: str | None = None,
        new_status: str | None = None,
        assignee_id: int | None = None,
        public: bool = False,
        details: dict[str, Any] | None = None,
    ) -> None:
        builder = self.builder
        entry_id = builder.next_entry_id
        builder.next_entry_id += 1
        self.entries.append(
            (
                entry_id,
                self.case_id,
                kind,
                public,
                author_id,
                body,
                minutes,
                old_status,
                new_status,
                assignee_id,
                details,
                _utc(at),
            )
        )
        self.last = max(self.last, at)
        if minutes:
            self.minutes += minutes

    def status_to(self, new_status: str, author_id: int | None) -> None:
        if new_status == self.status:
            return
        self.entry(
            "status_change", self.now, author_id, old_status=self.status, new_status=new_status
        )
        self.status = new_status
        if new_status == "resolved":
            self.resolved = self.now

    def claim(self, adviser_id: int | None) -> None:
        self.entry("assignment", self.now, adviser_id, assignee_id=adviser_id)
        self.status_to("assigned", adviser_id)

    def reply(
        self,
        body: str,
        adviser_id: int | None,
        new_status: str,
        minutes: tuple[int, int] = (10, 35),
    ) -> None:
        self.entry(
            "reply",
            self.now,
            adviser_id,
            body=body,
            minutes=self.rng.randint(*minutes),
            public=True,
        )
        if self.first_response is None:
            self.first_response = self.now
        self.status_to(new_status, adviser_id)

    def requester_message(self, body: str) -> None:
        self.entry("citizen_message", self.now, None, body=body, public=True)
        if self.status in ("resolved", "closed", "waiting"):
            self.status_to("in_progress", None)

    def contact(
        self, kind: str, at: int, adviser_id: int | None, summary: str, minutes: int, slots: _Slots
    ) -> None:
        self.entry(kind, at, adviser_id, body=summary.format_map(slots), minutes=minutes)
        if self.first_response is None:
            self.first_response = at

    def note(self, text: str, at: int, adviser_id: int | None, slots: _Slots) -> None:
        self.entry("note", at, adviser_id, body=text.format_map(slots), minutes=0)
