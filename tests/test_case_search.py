"""Case search for staff (/queue?q=…): by reference, by the requester's email or phone, or
by words, only among the cases the searcher may open. Every test runs on SQLite (FTS5) and
PostgreSQL (tsvector)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from advice.accounts.models import User
from advice.cases import search as case_search
from advice.cases.contacts import ContactDetails
from advice.cases.models import Case, Contact
from advice.cases.services import add_note, transfer
from advice.extensions import db
from advice.knowledge import search
from advice.knowledge.models import SearchDocument
from advice.privacy.services import anonymise_case
from advice.regions.models import Office
from tests.factories import new_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
HIT = re.compile(r'<a class="reference" href="/cases/([^"]+)">')


@pytest.fixture
def adviser(make_user: Any) -> Any:
    return make_user(name="Anna Lindqvist", offices=("stockholm",))


@pytest.fixture
def outsider(make_user: Any) -> Any:
    return make_user(name="Erik Johansson", offices=("sodertorn",))


def make_case(app: Any, **overrides: Any) -> str:
    with app.app_context():
        created = new_case(**overrides)
        db.session.commit()
        return created.case.reference


def person(name: str, email: str | None = None, phone: str | None = None) -> ContactDetails:
    return ContactDetails(name=name, email=email, phone=phone)


def hits(client: FlaskClient, q: str, **filters: str) -> list[str]:
    """The references a search lists, in order; fails on anything but a results page."""
    response = client.get("/queue", query_string={"q": q, **filters})
    assert response.status_code == 200, response.status_code
    return HIT.findall(response.get_data(as_text=True))


def first_snippet(page: str) -> str:
    """The snippet of the first hit on a results page, as HTML."""
    return page.split('class="case-hit__snippet">', 1)[1].split("</p>", 1)[0]


def jump(client: FlaskClient, q: str) -> str | None:
    """The case a search opened at once, if it did."""
    response = client.get("/queue", query_string={"q": q})
    if response.status_code == 302:
        return response.headers["Location"].rsplit("/", 1)[-1]
    assert response.status_code == 200
    return None


def results_of(client: FlaskClient, q: str) -> str:
    """The results section of a search (count, hits, advice), to compare two searches."""
    page = client.get("/queue", query_string={"q": q}).get_data(as_text=True)
    return page.split('aria-labelledby="case-hits-title">', 1)[1].split("</section>", 1)[0]


# --- References -----------------------------------------------------------------------------


def test_a_reference_opens_the_case_in_every_typed_form(app, client, adviser, login):
    reference = make_case(app)
    make_case(app)  # another case, so a loose match would show
    prefix, year, number = reference.split("-")
    login(adviser)
    for typed in (
        reference,
        reference.lower(),
        f"{year}-{number}",
        f"{prefix} {year} {number}",
        f"  {year} {number} ",
        f"{year}{number}",
        f"{year}-{int(number)}",
        f"{prefix.lower()}-{year}-{int(number)}",
    ):
        assert jump(client, typed) == reference, typed


def test_a_reference_with_another_prefix_or_number_opens_nothing(app, client, adviser, login):
    reference = make_case(app)
    _prefix, year, number = reference.split("-")
    login(adviser)
    assert jump(client, f"XY-{year}-{number}") is None
    assert jump(client, f"{year}-{int(number) + 500}") is None


def test_the_query_kinds_are_told_apart():
    parse = case_search.parse_query
    assert parse("EK-2026-00042").kind == "reference"
    assert (parse("2026 00042").year, parse("2026 00042").number) == (2026, 42)
    assert parse("Asa@Example.COM").value == "asa@example.com"
    assert parse("070-123 45 67").value == "+46701234567"
    assert parse("0046 70 123 45 67").value == "+46701234567"
    assert parse("värmepump 2026").kind == "words"
    assert parse("2026").kind == "words"
    assert parse("070").kind == "words"


# --- Contacts -------------------------------------------------------------------------------


def test_a_phone_number_finds_the_contacts_cases_however_it_is_typed(app, client, adviser, login):
    first = make_case(app, contact=person("Åsa Öberg", "asa@example.com", "070-123 45 67"))
    second = make_case(app, contact=person("Åsa Öberg", "asa@example.com", None))
    other = make_case(app, contact=person("Bo Ek", "bo@example.com", "070-765 43 21"))
    login(adviser)
    for typed in ("+46701234567", "0701234567", "070-123 45 67", "070 1234567", "+46 70 123 45 67"):
        found = hits(client, typed)
        assert set(found) == {first, second}, typed
        assert other not in found
        assert found == [second, first]  # newest first


def test_an_email_address_finds_the_contacts_cases_in_any_case(app, client, adviser, login):
    reference = make_case(app, contact=person("Åsa Öberg", "Asa.Oberg@Example.com"))
    make_case(app, contact=person("Bo Ek", "bo@example.com"))
    login(adviser)
    assert hits(client, "asa.oberg@example.com") == [reference]
    assert hits(client, "ASA.OBERG@EXAMPLE.COM") == [reference]
    assert hits(client, "nobody@example.com") == []


# --- Words ----------------------------------------------------------------------------------


def test_swedish_word_forms_find_the_case(app, client, adviser, login):
    reference = make_case(app, question="Vilken värmepump passar ett hus från 1970?")
    make_case(app, question="Lönar det sig att byta fönster?", contact=person("Bo Ek", "bo@x.se"))
    login(adviser)
    for typed in ("värmepumpar", "värmepumpen", "Värmepump", "värmepumparna hus"):
        assert hits(client, typed) == [reference], typed


def test_an_english_case_is_found_by_english_word_forms(app, client, adviser, login):
    english = make_case(
        app,
        language="en",
        question="Which heat pump suits a house with radiators?",
        contact=person("Jo Smith", "jo@example.com"),
    )
    swedish = make_case(app, question="Vilken värmepump passar?")
    login(adviser)
    assert hits(client, "pumps") == [english]
    assert hits(client, "heating radiator") == [english]
    assert hits(client, "värmepumparna") == [swedish]
    assert set(hits(client, "Smith")) == {english}


def test_words_find_replies_notes_calls_and_file_names(app, client, adviser, login):
    reference = make_case(app, question="En fråga om el.")
    login(adviser)
    client.post(
        f"/cases/{reference}/reply",
        data={"reply-body": "Titta på frånluftsvärmepump.", "reply-minutes": "5"},
    )
    client.post(f"/cases/{reference}/note", data={"note-body": "Ringde grannföreningen."})
    client.post(
        f"/cases/{reference}/contact",
        data={
            "contact-kind": "call",
            "contact-body": "Pratade om solfångare.",
            "contact-minutes": "3",
        },
    )
    client.post(
        f"/cases/{reference}/attachments",
        data={"files-files": [(io.BytesIO(PNG), "elräkning-mars.png")]},
        content_type="multipart/form-data",
    )
    for word in ("frånluftsvärmepump", "grannföreningen", "solfångaren", "elräkningen", "mars"):
        assert hits(client, word) == [reference], word


def test_a_case_about_the_word_ranks_above_one_that_mentions_it_in_passing(
    app, client, adviser, login
):
    passing = make_case(
        app,
        question="Vi vill byta fönster och undrar vad det kostar.",
        contact=person("Bo Ek", "bo@example.com"),
    )
    about = make_case(
        app,
        question="Solceller på taket: hur många solceller behövs för en villa?",
        contact=person("Cilla Ek", "cilla@example.com"),
    )
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == passing)).one()
        author = db.session.get(User, adviser.id)
        add_note(
            case,
            author,
            "Lång anteckning om fönsterbyte, karmar och glas, ventilation och fukt; "
            "nämnde i förbigående att grannen har solceller.",
        )
        db.session.commit()
    login(adviser)
    assert hits(client, "solceller") == [about, passing]


def test_hits_carry_a_snippet_with_the_words_marked_and_the_rest_escaped(
    app, client, adviser, login
):
    make_case(app, question="Kan <b>vi</b> sätta en värmepump & solceller på fasaden?")
    login(adviser)
    snippet = first_snippet(client.get("/queue?q=värmepumpar").get_data(as_text=True))
    assert "<mark>värmepump</mark> &amp; solceller" in snippet
    # PostgreSQL's headline drops what looks like a tag; SQLite's snippet escapes it.
    assert "<b>" not in snippet


def test_the_requesters_name_finds_the_case_but_stays_out_of_the_snippet(
    app, client, adviser, login
):
    reference = make_case(
        app,
        question="Min luftvärmepump bullrar. Tack på förhand! Lena",
        contact=person("Lena Olsson", "lena@example.com"),
    )
    login(adviser)
    page = client.get("/queue?q=luftvärmepump").get_data(as_text=True)
    snippet = first_snippet(page)
    assert "Tack på förhand! Lena" in snippet
    assert "Olsson" not in snippet
    # The name is shown once, in the hit's line of facts.
    assert page.count("Lena Olsson") == 1
    assert hits(client, "Lena Olsson") == [reference]
    assert hits(client, "olsson luftvärmepump") == [reference]


def test_the_search_keeps_to_the_queues_filters(app, client, adviser, login):
    open_case = make_case(app, question="Bergvärme i radhus?")
    resolved = make_case(
        app, question="Bergvärme i villa?", contact=person("Bo Ek", "bo@example.com")
    )
    login(adviser)
    client.post(f"/cases/{resolved}/status", data={"status-status": "resolved"})
    assert set(hits(client, "bergvärme")) == {open_case, resolved}
    assert hits(client, "bergvärme", status="open", assignee="any") == [open_case]
    assert hits(client, "bergvärme", status="resolved", assignee="any") == [resolved]
    page = client.get("/queue", query_string={"q": "bergvärme", "status": "open"})
    assert 'value="bergvärme"' in page.get_data(as_text=True)  # the query stays in the form


def test_too_many_matches_are_ranked_among_the_newest_and_said_to_be_more(
    app, client, adviser, login, monkeypatch
):
    references = [
        make_case(
            app, question=f"Fråga {n} om ventilation.", contact=person(f"P {n}", f"p{n}@x.se")
        )
        for n in range(5)
    ]
    monkeypatch.setattr(case_search, "NEWEST", 3)
    login(adviser)
    page = client.get("/queue", query_string={"q": "ventilation"}).get_data(as_text=True)
    assert set(HIT.findall(page)) == set(references[-3:])
    assert "Fler än 3 ärenden" in page


# --- Access ---------------------------------------------------------------------------------


def test_another_offices_adviser_finds_nothing_and_cannot_tell_it_exists(
    app, client, adviser, outsider, login
):
    reference = make_case(
        app,
        question="Hemlig fråga om kakelugnsrenovering.",
        contact=person("Åsa Öberg", "asa@example.com", "070-123 45 67"),
    )
    _prefix, year, number = reference.split("-")
    own = make_case(
        app,
        municipality_code="0136",  # Haninge: the outsider's office
        question="Kakelugnsrenovering i Haninge.",
        contact=person("Bo Ek", "bo@example.com"),
    )
    # The same search, one adviser after the other: each with their own offices (the
    # engine reuses the statement and must run it with each one's tags).
    login(adviser)
    assert hits(client, "kakelugnsrenovering") == [reference]
    client.post("/logout")
    login(outsider)
    assert hits(client, "kakelugnsrenovering") == [own]
    for typed in ("Öberg", "asa@example.com", "0701234567"):
        assert hits(client, typed) == [], typed
    assert jump(client, reference) is None
    # Not found and no access look the same, count included.
    assert results_of(client, "kakelugnsrenovering hemlig") == results_of(
        client, "kakelugnsrenovering okänt"
    )
    assert results_of(client, reference) == results_of(client, f"{year}-{int(number) + 900}")
    assert results_of(client, "asa@example.com") == results_of(client, "ingen@example.com")
    assert "1 ärende" in client.get("/queue?q=kakelugnsrenovering").get_data(as_text=True)
    client.post("/logout")
    login(adviser)
    assert hits(client, "kakelugnsrenovering") == [reference]


def test_the_coordinator_has_no_case_search(app, client, make_user, login):
    make_case(app, question="Fråga om värmepump.")
    coordinator = make_user(roles=("coordinator",), offices=())
    login(coordinator)
    assert client.get("/queue?q=värmepump").status_code == 403
    page = client.get("/stats").get_data(as_text=True)
    assert 'id="staff-search-q"' not in page


def test_the_header_offers_the_search_box_to_advisers(app, client, adviser, login):
    login(adviser)
    page = client.get("/articles").get_data(as_text=True)
    assert 'id="staff-search-q"' in page
    assert 'action="/queue"' in page


# --- The index follows the case -------------------------------------------------------------


def test_the_index_follows_notes_transfers_and_anonymisation(app, client, adviser, outsider, login):
    reference = make_case(
        app,
        question="Fråga om fjärrvärmecentral.",
        contact=person("Åsa Öberg", "asa.oberg@example.com", "070-123 45 67"),
    )
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        author = db.session.get(User, adviser.id)
        add_note(case, author, "Kunden nämnde tappvarmvattnet.")
        db.session.commit()
    login(adviser)
    assert hits(client, "tappvarmvattnet") == [reference]

    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        target = db.session.scalars(select(Office).where(Office.code == "sodertorn")).one()
        transfer(case, db.session.get(User, adviser.id), target, "Bor i Huddinge.")
        db.session.commit()
    assert hits(client, "fjärrvärmecentral") == []
    client.post("/logout")
    login(outsider)
    assert hits(client, "fjärrvärmecentral") == [reference]
    assert hits(client, "huddinge") == [reference]

    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        anonymise_case(case, reason="erasure")
        db.session.commit()
    for typed in ("Öberg", "Åsa", "fjärrvärmecentral", "asa.oberg@example.com", "0701234567"):
        assert hits(client, typed) == [], typed
    # The skeleton stays reachable by its reference, as on the queue.
    assert jump(client, reference) == reference
    with app.app_context():
        assert (
            db.session.scalar(select(SearchDocument.id).where(SearchDocument.kind == "case"))
            is None
        )


def test_a_contacts_other_case_keeps_its_details_when_one_is_anonymised(
    app, client, adviser, login
):
    details = person("Åsa Öberg", "asa@example.com", "070-123 45 67")
    first = make_case(app, question="Första frågan.", contact=details)
    second = make_case(app, question="Andra frågan.", contact=details)
    with app.app_context():
        anonymise_case(
            db.session.scalars(select(Case).where(Case.reference == first)).one(), reason="test"
        )
        db.session.commit()
    login(adviser)
    assert hits(client, "Öberg") == [second]
    assert hits(client, "asa@example.com") == [second]


def test_reindex_cases_rebuilds_the_index(app, client, adviser, login, runner):
    reference = make_case(
        app, question="Fråga om luftvärmepump.", contact=person("Greta Lind", "greta@example.com")
    )
    with app.app_context():
        search.remove("case", db.session.scalars(select(Case.id)).one())
        db.session.execute(delete(SearchDocument).where(SearchDocument.kind == "article"))
        search.index(search.Document(kind="case", doc_id=999_999, language="sv", title="spöke"))
        db.session.commit()
    login(adviser)
    assert hits(client, "luftvärmepump") == []
    result = runner.invoke(args=["reindex-cases", "--batch-size", "1", "--compact"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 cases" in result.output
    assert "removed 1 documents" in result.output
    assert hits(client, "luftvärmepump") == [reference]
    # Rebuilt in bulk as one by one: the name is found, and not shown in the snippet.
    assert hits(client, "Greta Lind") == [reference]
    assert "Lind" not in first_snippet(client.get("/queue?q=luftvärmepump").get_data(as_text=True))


# --- The demo -------------------------------------------------------------------------------


def test_the_demo_adviser_finds_a_demo_case_by_word_phone_and_reference(app, client, runner):
    result = runner.invoke(args=["demo", "--cases", "60", "--password", "demo-pass"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        adviser = db.session.scalars(select(User).where(User.email == "adviser@example.org")).one()
        case = db.session.scalars(
            select(Case)
            .join(Contact, Contact.id == Case.contact_id)
            .where(
                Case.office_id.in_(adviser.office_ids),
                Contact.phone_normalised.is_not(None),
                Case.language == "sv",
            )
            .order_by(Case.id.desc())
            .limit(1)
        ).one()
        reference, phone = case.reference, case.contact.phone_normalised
        word = max(search.words(case.question), key=len)
    client.post("/login", data={"email": "adviser@example.org", "password": "demo-pass"})

    assert reference in hits(client, word)
    local = "0" + phone[3:] if phone.startswith("+46") else phone
    typed = f"{local[:3]}-{local[3:6]} {local[6:8]} {local[8:]}"
    assert reference in hits(client, typed)
    assert jump(client, reference.split("-", 1)[1]) == reference


# --- The engine's newest-first windows ------------------------------------------------------


def test_newest_first_looks_at_recent_bands_and_widens_them(app):
    with app.app_context():
        old = list(range(1, 6))
        recent = list(range(70_000, 70_005))
        for doc_id in old + recent:
            search.index(
                search.Document(
                    kind="test",
                    doc_id=doc_id,
                    language="sv",
                    title="Värmepump i villan",
                    body="gammal" if doc_id in old else "",
                    tags=("o1",) if doc_id % 2 else ("o2",),
                    age_bands=True,
                )
            )
        # Bands cover a span with few tags and at most twice its size.
        assert search.band_tags(70_000, 70_004) == ([search.tag_lexeme("b12n17")], 69_632)
        tags, start = search.band_tags(40_000, 70_004)
        assert len(tags) <= 10 and 40_000 - 7_500 <= start <= 40_000
        found = search.query("test", "värmepumpar", newest=3)
        assert sorted(found.doc_ids) == recent[-3:]
        assert (found.total, found.capped) == (3, True)
        # Only old documents match: the last, unbanded query finds them.
        found = search.query("test", "gammal", newest=3)
        assert sorted(found.doc_ids) == old[-3:] and found.capped
        found = search.query("test", "gammal", newest=10, tags=["o2"])
        assert sorted(found.doc_ids) == [2, 4] and not found.capped
        assert search.query("test", "värmepump", tags=[]).doc_ids == []
        assert set(search.query("test", "värmepump", tags=["o1"]).doc_ids) == {
            doc_id for doc_id in old + recent if doc_id % 2
        }


def test_no_text_can_forge_a_tag(app):
    with app.app_context():
        search.index(
            search.Document(
                kind="test",
                doc_id=1,
                language="sv",
                title=f"värmepump o1 {search.TAG_MARK}o1 {search.TAG_MARK}",
            )
        )
        assert search.query("test", "värmepump", tags=["o1"]).doc_ids == []
        with pytest.raises(ValueError):
            search.tag_lexeme("O 1")


@pytest.mark.parametrize("restrict", [False, True])
def test_newest_first_gives_what_ranking_every_match_would(app, restrict):
    """Probe, sized window, or the whole index: the same newest matches, ranked alike."""
    with app.app_context():
        layout = {
            "vanlig": [*range(60_000, 60_020), *range(70_000, 70_010)],  # the window suffices
            "sällsynt": [3, 50_000, 70_001],  # too few in the probe: the whole index
            "täta": list(range(69_000, 70_010)),  # the probe alone suffices
        }
        doc_ids = sorted({doc_id for ids in layout.values() for doc_id in ids})
        for doc_id in doc_ids:
            words_ = [word for word, ids in layout.items() if doc_id in ids]
            search.index(
                search.Document(
                    kind="test",
                    doc_id=doc_id,
                    language="sv",
                    title=" ".join(words_),
                    tags=("o1",),
                    age_bands=True,
                )
            )
        restrict_to = (
            select(SearchDocument.doc_id).where(SearchDocument.doc_id % 2 == 0)
            if restrict
            else None
        )
        for word, ids in layout.items():
            expected = sorted(
                (doc_id for doc_id in ids if not restrict or doc_id % 2 == 0), reverse=True
            )[:20]
            everything = search.query(
                "test", word, tags=["o1"], restrict_to=restrict_to, limit=10_000
            )
            found = search.query(
                "test", word, tags=["o1"], restrict_to=restrict_to, newest=20, limit=10_000
            )
            assert sorted(found.doc_ids, reverse=True) == expected, word
            assert found.capped == (len(everything.doc_ids) > 20)
            ranks = {hit.doc_id: hit.rank for hit in everything.hits}
            assert [hit.rank for hit in found.hits] == sorted(
                (ranks[doc_id] for doc_id in found.doc_ids), reverse=True
            )
