"""The statistics as a list of tables: what the page, the CSV and XLSX files and the PDF
report all show.

Each table is a dict with ``title``, ``headers``, ``rows`` (plain values: str, int, float or
None) and optionally ``svg`` (the chart of the same numbers). Keys the PDF renderer does not
need describe the table for the page and the exports: ``key``, ``note``, ``chart_alt``,
``count_columns`` (columns holding counts) and ``basis`` (per row, the number of cases the
row's shares, medians and means rest on), which the minimum cell size works on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from advice.admin.models import TermLabel
from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.stats.cells import RESOLUTION, RESPONSE, SATISFACTION_SCORES
from advice.stats.models import UNKNOWN
from advice.stats.queries import BACKLOG_BOUNDS, Figures
from advice.taxonomy.models import Channel, RequesterType, TaxonomyTerm, Topic

Table = dict[str, Any]

TERM_MODELS: dict[str, type[TaxonomyTerm]] = {
    "topics": Topic,
    "requester_types": RequesterType,
    "channels": Channel,
}


# --- Labels -------------------------------------------------------------------------------


@dataclass
class Term:
    id: int
    code: str
    label: str
    sort_order: int
    active: bool


@dataclass
class Labels:
    """Names of everything a table mentions, as they were at the end of the period."""

    municipalities: dict[int, tuple[str, str]]  # id -> (code, name)
    offices: dict[int, tuple[str, str]]  # id -> (code, name)
    terms: dict[str, dict[int, Term]]

    def municipality(self, municipality_id: int) -> str:
        if municipality_id == UNKNOWN:
            return _("Okänd kommun")
        return self.municipalities.get(municipality_id, ("", "–"))[1]

    def municipality_code(self, municipality_id: int) -> str:
        return self.municipalities.get(municipality_id, ("", ""))[0]

    def office(self, office_id: int) -> str:
        return self.offices.get(office_id, ("", "–"))[1]

    def term(self, kind: str, term_id: int) -> str:
        if term_id == UNKNOWN:
            return _("Okänd")
        term = self.terms[kind].get(term_id)
        return term.label if term else "–"

    def term_code(self, kind: str, term_id: int) -> str:
        term = self.terms[kind].get(term_id)
        return term.code if term else ""


def load_labels(at: datetime, language: str) -> Labels:
    """Names now, except taxonomy labels, which are those in force at ``at``.

    A term renamed after ``at`` has a ``term_labels`` row valid until the rename; the
    earliest such row after ``at`` holds the label it had then.
    """
    municipalities = {
        row.id: (row.code, row.name)
        for row in db.session.execute(select(Municipality.id, Municipality.code, Municipality.name))
    }
    offices = {
        row.id: (row.code, row.name)
        for row in db.session.execute(select(Office.id, Office.code, Office.name))
    }
    earlier: dict[tuple[str, int], TermLabel] = {}
    for old in db.session.scalars(
        select(TermLabel).where(TermLabel.valid_until > at).order_by(TermLabel.valid_until.desc())
    ):
        earlier[(old.kind, old.term_id)] = old  # the last one kept is the earliest
    terms: dict[str, dict[int, Term]] = {}
    for kind, model in TERM_MODELS.items():
        terms[kind] = {}
        for term in db.session.scalars(select(model)):
            old = earlier.get((kind, term.id))
            if old is not None:
                label = old.label_en if language == "en" else old.label_sv
            else:
                label = term.label(language)
            terms[kind][term.id] = Term(term.id, term.code, label, term.sort_order, term.active)
    return Labels(municipalities, offices, terms)


# --- Arithmetic ---------------------------------------------------------------------------


def percentile(histogram: Counter[int], fraction: float) -> int | None:
    """Nearest rank: the smallest value with at least ``fraction`` of the cases at or below."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def mean_score(counts: Counter[str]) -> float | None:
    answers = sum(counts[f"satisfaction_{score}"] for score in SATISFACTION_SCORES)
    if not answers:
        return None
    total = sum(score * counts[f"satisfaction_{score}"] for score in SATISFACTION_SCORES)
    return round(total / answers, 2)


def merge(histograms: Iterable[Counter[int]]) -> Counter[int]:
    merged: Counter[int] = Counter()
    for histogram in histograms:
        merged.update(histogram)
    return merged


# --- The tables ---------------------------------------------------------------------------


def _table(key: str, title: str, headers: list[str], **extra: Any) -> Table:
    table: Table = {"key": key, "title": title, "headers": headers, "rows": [], "basis": []}
    table.update(extra)
    return table


def _add(table: Table, row: list[Any], basis: int | None = None) -> None:
    table["rows"].append(row)
    table["basis"].append(basis)


def month_label(month: date) -> str:
    return format_date(month, "LLL y")


def key_figures(figures: Figures) -> Table:
    totals = figures.totals
    response = merge(figures.durations.get(RESPONSE, {}).values())
    resolution = merge(figures.durations.get(RESOLUTION, {}).values())
    overdue = sum(figures.unanswered_overdue.values())
    judged = totals["responded"] + overdue
    answers = sum(totals[f"satisfaction_{score}"] for score in SATISFACTION_SCORES)
    open_now = sum(bucket["open"] for bucket in figures.backlog)
    table = _table("key_figures", _("Nyckeltal"), [_("Mått"), _("Värde")], count_rows=[0, 1, 2, 3])
    _add(table, [_("Inkomna ärenden"), totals["cases"]], None)
    _add(table, [_("Lösta ärenden"), totals["resolved"]], None)
    _add(table, [_("Öppna ärenden nu"), open_now], None)
    _add(table, [_("Besvarade ärenden"), totals["responded"]], None)
    _add(
        table,
        [_("Median tid till första svar (timmar)"), percentile(response, 0.5)],
        totals["responded"],
    )
    _add(
        table,
        [_("90:e percentilen tid till första svar (timmar)"), percentile(response, 0.9)],
        totals["responded"],
    )
    _add(
        table,
        [_("Andel besvarade inom tidsfristen (%)"), share(totals["responded_on_time"], judged)],
        judged,
    )
    _add(
        table,
        [_("Median handläggningstid (dagar)"), percentile(resolution, 0.5)],
        totals["resolved"],
    )
    _add(table, [_("Medelbetyg nöjdhet (1–5)"), mean_score(totals)], answers)
    return table


def months_table(figures: Figures) -> Table:
    table = _table(
        "months",
        _("Inkomna ärenden per månad"),
        [_("Månad"), _("Inkomna"), _("Besvarade"), _("Lösta")],
        count_columns=[1, 2, 3],
        chart="bar",
        chart_column=1,
        side=True,
    )
    for month in sorted(figures.months):
        counts = figures.months[month]
        _add(table, [month_label(month), counts["cases"], counts["responded"], counts["resolved"]])
    totals = figures.totals
    _add(table, [_("Totalt"), totals["cases"], totals["responded"], totals["resolved"]])
    table["total_row"] = True
    return table


def _dimension_table(
    key: str,
    title: str,
    first_header: str,
    counts: Counter[int],
    name: Any,
    whole: int,
    *,
    code: Any = None,
    code_header: str = "",
    note: str | None = None,
    side: bool = False,
) -> Table:
    headers = [first_header, *([code_header] if code else []), _("Ärenden"), _("Andel (%)")]
    count_column = 2 if code else 1
    table = _table(
        key,
        title,
        headers,
        count_columns=[count_column],
        chart="hbar",
        chart_column=count_column,
        note=note,
        side=side,
    )
    for item_id, count in sorted(counts.items(), key=lambda item: (-item[1], name(item[0]))):
        if not count:
            continue
        row = [name(item_id), *([code(item_id)] if code else []), count, share(count, whole)]
        _add(table, row, count)
    return table


def dimension_tables(figures: Figures, labels: Labels) -> list[Table]:
    whole = figures.totals["cases"]
    return [
        _dimension_table(
            "municipalities",
            _("Ärenden per kommun"),
            _("Kommun"),
            figures.by_municipality,
            labels.municipality,
            whole,
            code=labels.municipality_code,
            code_header=_("Kommunkod"),
            side=True,
        ),
        _dimension_table(
            "offices",
            _("Ärenden per kontor"),
            _("Kontor"),
            figures.by_office,
            labels.office,
            whole,
        ),
        _dimension_table(
            "topics",
            _("Ärenden per ämne"),
            _("Ämne"),
            figures.by_topic,
            lambda term_id: labels.term("topics", term_id),
            whole,
            note=_(
                "Ett ärende kan ha flera ämnen och räknas då under vart och ett; andelen är "
                "räknad på antalet ärenden."
            ),
        ),
        _dimension_table(
            "requester_types",
            _("Ärenden per typ av frågeställare"),
            _("Frågeställare"),
            figures.by_requester_type,
            lambda term_id: labels.term("requester_types", term_id),
            whole,
        ),
        _dimension_table(
            "channels",
            _("Ärenden per kanal"),
            _("Kanal"),
            figures.by_channel,
            lambda term_id: labels.term("channels", term_id),
            whole,
            side=True,
        ),
    ]


def backlog_label(position: int) -> str:
    lower = 0 if position == 0 else BACKLOG_BOUNDS[position - 1]
    if position == len(BACKLOG_BOUNDS):
        return _("%(days)d dagar eller mer", days=lower)
    return _("%(low)d–%(high)d dagar", low=lower, high=BACKLOG_BOUNDS[position] - 1)


def backlog_table(figures: Figures) -> Table:
    table = _table(
        "backlog",
        _("Öppna ärenden nu, efter ålder"),
        [_("Ålder"), _("Öppna"), _("Varav nya"), _("Varav obesvarade efter tidsfristen")],
        count_columns=[1, 2, 3],
        chart="bar",
        chart_column=1,
        side=True,
        note=_("Läget just nu: perioden påverkar inte den här tabellen, kontor och kommun gör."),
    )
    total: Counter[str] = Counter()
    for position, bucket in enumerate(figures.backlog):
        _add(table, [backlog_label(position), bucket["open"], bucket["new"], bucket["overdue"]])
        total.update(bucket)
    _add(table, [_("Totalt"), total["open"], total["new"], total["overdue"]])
    table["total_row"] = True
    return table


def response_table(figures: Figures) -> Table:
    table = _table(
        "response",
        _("Tid till första svar och servicenivå"),
        [
            _("Månad"),
            _("Inkomna"),
            _("Besvarade"),
            _("Median (timmar)"),
            _("90:e percentilen (timmar)"),
            _("Besvarade i tid"),
            _("Obesvarade efter tidsfristen"),
            _("Andel i tid (%)"),
        ],
        count_columns=[1, 2, 5, 6],
        chart="bar",
        chart_column=7,
        chart_max=100,
        note=_(
            "Tid i hela timmar från att ärendet kom in till första svaret (svar, samtal eller "
            "besök). Andelen i tid räknas på besvarade ärenden och obesvarade vars tidsfrist "
            "har gått ut."
        ),
    )
    histograms = figures.durations.get(RESPONSE, {})
    for month in sorted(figures.months):
        counts = figures.months[month]
        histogram = histograms.get(month, Counter())
        overdue = figures.unanswered_overdue.get(month, 0)
        judged = counts["responded"] + overdue
        _add(
            table,
            [
                month_label(month),
                counts["cases"],
                counts["responded"],
                percentile(histogram, 0.5),
                percentile(histogram, 0.9),
                counts["responded_on_time"],
                overdue,
                share(counts["responded_on_time"], judged),
            ],
            judged,
        )
    totals = figures.totals
    overall = merge(histograms.values())
    overdue = sum(figures.unanswered_overdue.values())
    judged = totals["responded"] + overdue
    _add(
        table,
        [
            _("Hela perioden"),
            totals["cases"],
            totals["responded"],
            percentile(overall, 0.5),
            percentile(overall, 0.9),
            totals["responded_on_time"],
            overdue,
            share(totals["responded_on_time"], judged),
        ],
        judged,
    )
    table["total_row"] = True
    return table


def resolution_table(figures: Figures) -> Table:
    table = _table(
        "resolution",
        _("Handläggningstid för lösta ärenden"),
        [_("Månad"), _("Lösta"), _("Median (dagar)"), _("90:e percentilen (dagar)")],
        count_columns=[1],
        note=_("Hela dagar från att ärendet kom in till att det löstes, efter inkomstmånad."),
    )
    histograms = figures.durations.get(RESOLUTION, {})
    for month in sorted(figures.months):
        histogram = histograms.get(month, Counter())
        resolved = figures.months[month]["resolved"]
        _add(
            table,
            [month_label(month), resolved, percentile(histogram, 0.5), percentile(histogram, 0.9)],
            resolved,
        )
    overall = merge(histograms.values())
    resolved = figures.totals["resolved"]
    _add(
        table,
        [_("Hela perioden"), resolved, percentile(overall, 0.5), percentile(overall, 0.9)],
        resolved,
    )
    table["total_row"] = True
    return table


def satisfaction_table(figures: Figures) -> Table:
    totals = figures.totals
    answers = sum(totals[f"satisfaction_{score}"] for score in SATISFACTION_SCORES)
    mean = mean_score(totals)
    table = _table(
        "satisfaction",
        _("Frågeställarnas nöjdhet"),
        [_("Betyg"), _("Svar"), _("Andel (%)")],
        count_columns=[1],
        chart="bar",
        chart_column=1,
        side=True,
        note=_(
            "Betyg från 1 (inte alls nöjd) till 5 (mycket nöjd), för ärenden som kom in under "
            "perioden. Medelbetyg: %(mean)s.",
            mean="–" if mean is None else f"{mean:.2f}".replace(".", ","),
        ),
    )
    for score in SATISFACTION_SCORES:
        count = totals[f"satisfaction_{score}"]
        _add(table, [str(score), count, share(count, answers)], answers)
    _add(table, [_("Totalt"), answers, share(answers, answers)], answers)
    table["total_row"] = True
    return table


def workload_table(figures: Figures) -> Table | None:
    if figures.workload is None:
        return None
    table = _table(
        "workload",
        _("Handläggarnas arbetsbelastning"),
        [
            _("Handläggare"),
            _("Öppna ärenden nu"),
            _("Ärenden från perioden"),
            _("Varav lösta"),
            _("Registrerad tid (timmar)"),
        ],
        count_columns=[1, 2, 3],
        note=_(
            "Ärenden som kom in under perioden och nu har handläggaren som ansvarig. Visas bara "
            "för processledare."
        ),
    )
    for row in figures.workload:
        _add(
            table,
            [
                row["name"],
                row["open_now"],
                row["cases"],
                row["resolved"],
                round(row["minutes"] / 60, 1),
            ],
        )
    return table


def articles_table(figures: Figures) -> Table:
    table = _table(
        "articles",
        _("Kunskapsbankens mest lästa artiklar"),
        [_("Artikel"), _("Visningar"), _("Hjälpsam: ja"), _("Hjälpsam: nej")],
        count_columns=[1, 2, 3],
        note=_(
            "Räknat sedan varje artikel publicerades; perioden och filtren påverkar inte den "
            "här tabellen."
        ),
    )
    for article in figures.articles:
        _add(table, [article["title"], article["views"], article["yes"], article["no"]])
    totals = figures.article_totals
    _add(
        table,
        [
            _("Alla publicerade artiklar (%(count)d)", count=totals.get("articles", 0)),
            totals.get("views", 0),
            totals.get("yes", 0),
            totals.get("no", 0),
        ],
    )
    table["total_row"] = True
    return table


def statistics_tables(figures: Figures, labels: Labels) -> list[Table]:
    tables = [
        key_figures(figures),
        months_table(figures),
        *dimension_tables(figures, labels),
        backlog_table(figures),
        response_table(figures),
        resolution_table(figures),
        satisfaction_table(figures),
    ]
    workload = workload_table(figures)
    if workload is not None:
        tables.append(workload)
    tables.append(articles_table(figures))
    return tables


# --- The national period report -----------------------------------------------------------


def report_tables(
    cross: Counter[tuple[int, int, int]], municipalities: Counter[int], labels: Labels
) -> list[Table]:
    """Requester type by topic by channel (every combination, zeros too), and municipalities."""

    def terms(kind: str, used: set[int]) -> list[Term]:
        known = labels.terms[kind]
        chosen = [term for term in known.values() if term.active or term.id in used]
        chosen.sort(key=lambda term: (term.sort_order, term.id))
        if UNKNOWN in used:
            chosen.append(Term(UNKNOWN, "", _("Okänd"), 0, False))
        return chosen

    requester_types = terms("requester_types", {key[0] for key in cross})
    topics = terms("topics", {key[1] for key in cross})
    channels = terms("channels", {key[2] for key in cross})
    cross_table = _table(
        "report_cross",
        _("Ämnen per typ av frågeställare och kanal"),
        [
            _("Frågeställare"),
            _("Frågeställarkod"),
            _("Ämne"),
            _("Ämneskod"),
            _("Kanal"),
            _("Kanalkod"),
            _("Antal"),
        ],
        count_columns=[6],
        note=_("Ett ärende med flera ämnen räknas en gång per ämne."),
    )
    for requester_type in requester_types:
        for topic in topics:
            for channel in channels:
                _add(
                    cross_table,
                    [
                        requester_type.label,
                        requester_type.code,
                        topic.label,
                        topic.code,
                        channel.label,
                        channel.code,
                        cross[(requester_type.id, topic.id, channel.id)],
                    ],
                )
    municipality_table = _table(
        "report_municipalities",
        _("Ärenden per kommun"),
        [_("Kommunkod"), _("Kommun"), _("Ärenden")],
        count_columns=[2],
    )
    ids = sorted(
        set(labels.municipalities) | set(municipalities),
        key=lambda item: (labels.municipality_code(item) or "9999", item),
    )
    for municipality_id in ids:
        _add(
            municipality_table,
            [
                labels.municipality_code(municipality_id),
                labels.municipality(municipality_id),
                municipalities.get(municipality_id, 0),
            ],
        )
    _add(municipality_table, ["", _("Totalt"), sum(municipalities.values())])
    municipality_table["total_row"] = True
    return [cross_table, municipality_table]


# --- Putting it together ------------------------------------------------------------------


def page_tables(
    figures: Figures, language: str, *, labels_at: datetime | None = None
) -> list[Table]:
    """The statistics page's tables, with the labels in force at the period's end."""
    at = min(labels_at or figures.now, figures.period.end_utc)
    return statistics_tables(figures, load_labels(at, language))
