"""The statistics page and its downloads: who sees what, what the files hold."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from advice.audit.models import AuditEvent
from advice.cases.models import Case
from advice.clock import utcnow
from advice.extensions import db
from advice.regions.models import Municipality, Office, RegionSetting
from advice.stats.periods import parse_period
from advice.stats.queries import Scope, compute_figures
from advice.stats.tables import page_tables
from tests.factories import new_case

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PERIOD = "2026-Q1"


def local(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=STOCKHOLM).astimezone(UTC)


@pytest.fixture
def people(make_user):
    return {
        "coordinator": make_user(name="Maria Processledare", roles=("coordinator",), offices=()),
        "adviser": make_user(name="Anna Rådgivare", offices=("stockholm",)),
        "other_adviser": make_user(name="Erik Södertörn", offices=("sodertorn",)),
        "admin": make_user(name="Lars Admin", roles=("admin",), offices=()),
    }


@pytest.fixture
def cases(app):
    """Stockholm: 7 cases in the quarter; Huddinge (Södertörn): 3; one in April."""
    with app.app_context():
        for day in range(1, 8):
            case = new_case(municipality_code="0180", received_at=local(2026, 2, day)).case
            case.first_response_at = case.received_at + timedelta(hours=day)
        for day in range(1, 4):
            new_case(municipality_code="0126", received_at=local(2026, 3, day))
        new_case(municipality_code="0180", received_at=local(2026, 4, 2))
        db.session.commit()
        offices = dict(db.session.execute(select(Office.code, Office.id)).all())
        municipalities = dict(db.session.execute(select(Municipality.code, Municipality.id)).all())
        return {"offices": offices, "municipalities": municipalities}


def _key_figure(html: str, label: str) -> str:
    start = html.index(label)
    value = html.index('class="key-figures__value">', start) + len('class="key-figures__value">')
    return html[value : html.index("</dd>", value)].strip()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/stats")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/stats/export.csv").status_code == 302


def test_an_admin_without_coordinator_or_adviser_role_may_not_see_statistics(client, login, people):
    login(people["admin"])
    assert client.get("/stats").status_code == 403
    assert client.get("/stats/export.xlsx").status_code == 403


def test_the_coordinator_sees_the_whole_region_and_adviser_workload(client, login, people, cases):
    login(people["coordinator"])
    page = client.get(f"/stats?period={PERIOD}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _key_figure(html, "Inkomna ärenden") == "10"
    assert "Hela regionen" in html
    assert "Handläggarnas arbetsbelastning" in html
    assert "Anna Rådgivare" in html  # staff names, for the coordinator only


def test_an_adviser_sees_only_their_own_offices_and_no_workload(client, login, people, cases):
    login(people["adviser"])
    html = client.get(f"/stats?period={PERIOD}").get_data(as_text=True)
    assert _key_figure(html, "Inkomna ärenden") == "7"
    assert "Mina kontor" in html
    assert "Handläggarnas arbetsbelastning" not in html
    assert "Erik Södertörn" not in html
    sodertorn = cases["offices"]["sodertorn"]
    assert client.get(f"/stats?period={PERIOD}&office={sodertorn}").status_code == 403
    assert client.get(f"/stats/export.csv?period={PERIOD}&office={sodertorn}").status_code == 403
    # The municipality filter narrows within the adviser's offices; it never widens them.
    huddinge = cases["municipalities"]["0126"]
    narrowed = client.get(f"/stats?period={PERIOD}&municipality={huddinge}")
    assert _key_figure(narrowed.get_data(as_text=True), "Inkomna ärenden") == "0"


def test_the_coordinator_narrows_to_one_municipality(client, login, people, cases):
    login(people["coordinator"])
    stockholm = cases["municipalities"]["0180"]
    html = client.get(f"/stats?period={PERIOD}&municipality={stockholm}").get_data(as_text=True)
    assert _key_figure(html, "Inkomna ärenden") == "7"
    assert "Kommun: Stockholm" in html


def test_statistics_show_no_personal_data(app, client, login, people, cases):
    login(people["coordinator"])
    with app.app_context():
        case = db.session.scalars(select(Case)).first()
        question, contact = case.question, case.contact
        secrets = [question, contact.name, contact.email, contact.phone]
    outputs = [
        client.get(f"/stats?period={PERIOD}").get_data(as_text=True),
        client.get(f"/stats/export.csv?period={PERIOD}").data.decode("utf-8-sig"),
        client.get(f"/stats/report.csv?period={PERIOD}").data.decode("utf-8-sig"),
    ]
    for output in outputs:
        for secret in secrets:
            assert secret not in output


def test_a_bad_period_is_explained(client, login, people):
    login(people["coordinator"])
    response = client.get("/stats?period=custom&from=2026-03-01&to=2026-02-01")
    assert response.status_code == 400
    assert "Slutdatumet ligger före startdatumet." in response.get_data(as_text=True)
    assert client.get("/stats/export.csv?period=2026-13").status_code == 400


def _expected_tables(app, coordinator_scope: Scope) -> list[dict]:
    with app.test_request_context():
        period = parse_period(PERIOD, None, None, utcnow().date())
        figures = compute_figures(period, coordinator_scope, utcnow(), workload=True)
        return page_tables(figures, "sv")


def _csv_sections(text: str) -> tuple[list[list[str]], dict[str, list[list[str]]]]:
    rows = list(csv.reader(io.StringIO(text)))
    header_end = rows.index([])
    sections: dict[str, list[list[str]]] = {}
    current = None
    for row in rows[header_end:]:
        if not row:
            current = None
        elif current is None:
            current = row[0]
            sections[current] = []
        else:
            sections[current].append(row)
    return rows[:header_end], sections


def _plain(value) -> str:
    return "" if value is None else str(value)


def test_the_csv_export_parses_and_holds_the_page_figures(app, client, login, people, cases):
    login(people["coordinator"])
    response = client.get(f"/stats/export.csv?period={PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert 'filename="statistik_2026-Q1.csv"' in disposition
    assert response.data.startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheet programs
    header, sections = _csv_sections(response.data.decode("utf-8-sig"))
    assert header[1] == ["Period: kvartal 1 2026"]
    assert header[2] == ["Filter: Hela regionen"]
    for table in _expected_tables(app, Scope()):
        section = sections[table["title"]]
        if table.get("note"):
            assert section[0] == [table["note"]]
            section = section[1:]
        assert section[0] == table["headers"]
        assert section[1:] == [[_plain(value) for value in row] for row in table["rows"]]


def test_the_xlsx_export_has_one_sheet_per_table_with_numbers_as_numbers(
    app, client, login, people, cases
):
    login(people["coordinator"])
    office = cases["offices"]["stockholm"]
    stockholm = cases["municipalities"]["0180"]
    response = client.get(
        f"/stats/export.xlsx?period={PERIOD}&office={office}&municipality={stockholm}"
    )
    assert response.status_code == 200
    assert (
        'filename="statistik_2026-Q1_kontor-stockholm_kommun-0180.xlsx"'
        in response.headers["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(response.data))
    scope = Scope(office_ids=frozenset({office}), municipality_id=stockholm)
    expected = _expected_tables(app, scope)
    assert len(workbook.sheetnames) == len(expected)
    for sheet, table in zip(workbook.worksheets, expected, strict=True):
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[1] == ["Period: kvartal 1 2026"] + [None] * (len(rows[1]) - 1)
        assert rows[2][0] == (
            "Filter: Kontor: Energi- och klimatrådgivningen Stockholm · Kommun: Stockholm"
        )
        header_index = next(
            index
            for index, row in enumerate(rows)
            if row[: len(table["headers"])] == table["headers"]
        )
        body = [row[: len(table["headers"])] for row in rows[header_index + 1 :]]
        assert body == table["rows"]
    key_figures = workbook.worksheets[0]
    received = next(
        row for row in key_figures.iter_rows(values_only=True) if row[0] == "Inkomna ärenden"
    )
    assert received[1] == 7 and isinstance(received[1], int)


def test_exports_are_audited(app, client, login, people, cases):
    login(people["coordinator"])
    client.get(f"/stats/export.csv?period={PERIOD}")
    client.get(f"/stats/report.xlsx?period={PERIOD}")
    with app.app_context():
        kinds = [
            event.details["kind"]
            for event in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "stats.exported")
            )
        ]
    assert sorted(kinds) == ["csv", "report.xlsx"]


def test_the_minimum_cell_size_blanks_small_counts_in_exports(app, client, login, people, cases):
    with app.app_context():
        db.session.add(RegionSetting(key="stats_min_cell_size", value="5"))
        db.session.commit()
    login(people["coordinator"])
    header, sections = _csv_sections(
        client.get(f"/stats/export.csv?period={PERIOD}").data.decode("utf-8-sig")
    )
    assert ["Antal under 5 visas inte (tom cell)."] in header
    municipalities = sections["Ärenden per kommun"][1:]
    by_name = {row[0]: row for row in municipalities}
    assert by_name["Stockholm"][2] == "7"
    assert by_name["Huddinge"][2] == ""  # 3 cases
    assert by_name["Huddinge"][3] == ""  # and its share
    # The page itself, for staff, shows every count.
    html = client.get(f"/stats?period={PERIOD}").get_data(as_text=True)
    assert "I nedladdade filer visas inte antal under 5." in html


def test_the_period_report_crosses_requester_type_topic_and_channel(
    app, client, login, people, cases
):
    login(people["coordinator"])
    assert client.get("/stats/report.csv?period=2026-02").status_code == 400
    response = client.get(f"/stats/report.xlsx?period={PERIOD}")
    assert response.status_code == 200
    assert 'filename="periodrapport_2026-Q1.xlsx"' in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    cross, municipalities = workbook.worksheets
    rows = [row for row in cross.iter_rows(values_only=True)]
    header = rows.index(
        ("Frågeställare", "Frågeställarkod", "Ämne", "Ämneskod", "Kanal", "Kanalkod", "Antal")
    )
    body = rows[header + 1 :]
    assert len(body) == 7 * 13 * 7  # every combination of the active terms, zeros too
    counted = {(row[1], row[3], row[5]): row[6] for row in body if row[6]}
    assert counted == {("private_house", "heating", "web"): 10}
    by_code = {row[0]: row[2] for row in municipalities.iter_rows(values_only=True) if row[0]}
    assert by_code["0180"] == 7
    assert by_code["0126"] == 3
    assert by_code["0114"] == 0

    year = client.get("/stats/report.csv?period=2026")
    assert year.status_code == 200
    text = year.data.decode("utf-8-sig")
    assert "Period: 2026" in text


def test_the_pdf_report_is_offered(client, login, people, cases):
    login(people["coordinator"])
    response = client.get(f"/stats/report.pdf?period={PERIOD}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_a_period_report_for_a_month_says_why_it_is_refused(client, login, people):
    login(people["coordinator"])
    response = client.get("/stats/report.xlsx?period=2026-03")
    assert response.status_code == 400
    assert "Periodrapporten gäller ett kvartal eller ett år." in response.get_data(as_text=True)
