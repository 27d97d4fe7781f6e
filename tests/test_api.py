"""The JSON API, public part: knowledge base articles, taxonomies and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.specs.openapi.checks import positive_data_acceptance

from advice.extensions import db
from advice.knowledge import services as kb
from tests.test_knowledge import publish_article, two_advisers, user, write_article

PROBLEM = "application/problem+json"
WORD = "värmepumpsbyte"


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, Any]:
    return two_advisers(make_user)


@pytest.fixture
def articles(app: Any, staff: tuple[Any, Any]) -> dict[str, str]:
    """Two live public articles and, about the same word, four the public must never see."""
    author, reviewer = staff
    body = f"Allt om {WORD} i villan.\n\n## Kostnad\n\n<script>alert(1)</script>"
    slugs: dict[str, str] = {}
    with app.app_context():
        slugs["public"] = publish_article(
            author, reviewer, title="Byte av värmepump", body=body, summary="Så går det till."
        ).slug
        slugs["solar"] = publish_article(
            author,
            reviewer,
            title="Solceller på taket",
            body="Solceller ger el.",
            topics=("solar",),
            language="sv",
        ).slug
        slugs["draft"] = write_article(author, title="Utkast om byte", body=body).slug
        in_review = write_article(author, title="Granskas om byte", body=body)
        kb.submit_for_review(in_review, user(author))
        slugs["in_review"] = in_review.slug
        slugs["internal"] = publish_article(
            author, reviewer, title="Internt om byte", body=body, audience="internal"
        ).slug
        archived = publish_article(author, reviewer, title="Arkiverat om byte", body=body)
        kb.archive(archived, user(reviewer))
        slugs["archived"] = archived.slug
        db.session.commit()
    return slugs


HIDDEN = ("draft", "in_review", "internal", "archived")


def _slugs(response: Any) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    return {item["slug"] for item in response.get_json()["items"]}


def test_the_article_list_shows_only_live_public_articles(client, articles):
    response = client.get("/api/v1/kb/articles")
    assert _slugs(response) == {articles["public"], articles["solar"]}
    body = response.get_json()
    assert body["paging"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}
    item = next(item for item in body["items"] if item["slug"] == articles["public"])
    assert item["title"] == "Byte av värmepump"
    assert item["summary"] == "Så går det till."
    assert item["language"] == "sv"
    assert [topic["code"] for topic in item["topics"]] == ["heating"]
    assert set(item["topics"][0]) == {"code", "label_sv", "label_en"}
    assert item["url"].endswith(f"/kb/{articles['public']}")
    assert item["updated_at"]
    assert "body_html" not in item


def test_search_and_topic_never_reach_hidden_articles(client, articles):
    for query in (f"q={WORD}", "q=byte", "q=villan", "topic=heating", f"q={WORD}&topic=heating"):
        slugs = _slugs(client.get(f"/api/v1/kb/articles?{query}"))
        assert slugs == {articles["public"]}, query
    assert _slugs(client.get("/api/v1/kb/articles?topic=solar")) == {articles["solar"]}
    assert _slugs(client.get("/api/v1/kb/articles?q=solceller")) == {articles["solar"]}
    assert _slugs(client.get("/api/v1/kb/articles?topic=no-such-topic")) == set()


def test_paging(client, articles):
    first = client.get("/api/v1/kb/articles?per_page=1").get_json()
    second = client.get("/api/v1/kb/articles?per_page=1&page=2").get_json()
    assert first["paging"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["slug"] != second["items"][0]["slug"]
    assert client.get("/api/v1/kb/articles?page=3&per_page=1").get_json()["items"] == []


@pytest.mark.parametrize("query", ["per_page=51", "per_page=0", "page=0", "page=x", "topic="])
def test_bad_queries_are_problems(client, query):
    response = client.get(f"/api/v1/kb/articles?{query}")
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    assert response.get_json()["status"] == 400


def test_one_article_with_its_sanitised_body(client, articles):
    response = client.get(f"/api/v1/kb/articles/{articles['public']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == articles["public"]
    assert body["published_at"]
    assert WORD in body["body_html"]
    assert '<h2 id="kostnad">' in body["body_html"]  # top headings are <h2>, as on /kb
    assert "<script>" not in body["body_html"]


def test_hidden_and_unknown_articles_are_404_problems(client, articles):
    for slug in [*(articles[name] for name in HIDDEN), "no-such-article"]:
        response = client.get(f"/api/v1/kb/articles/{slug}")
        assert response.status_code == 404, slug
        assert response.content_type == PROBLEM
        problem = response.get_json()
        assert problem["status"] == 404
        assert "Utkast" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/no-such-thing", 404),
        ("GET", "/api/v2/kb/articles", 404),
        ("POST", "/api/v1/kb/articles", 405),
        ("DELETE", "/api/v1/taxonomy", 405),
    ],
)
def test_errors_are_problems_never_html(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.content_type == PROBLEM
    assert response.get_json()["status"] == status
    assert "<html" not in response.get_data(as_text=True).lower()
    if status == 405:
        assert "GET" in response.headers["Allow"].split(", ")


def test_the_taxonomy_lists_active_terms(app, client):
    from advice.taxonomy.models import Topic

    with app.app_context():
        retired = db.session.scalars(db.select(Topic).where(Topic.code == "solar")).one()
        retired.active = False
        db.session.commit()
    response = client.get("/api/v1/taxonomy")
    assert response.status_code == 200
    body = response.get_json()
    assert {"code": "0180", "name": "Stockholm"} in body["municipalities"]
    topic_codes = [term["code"] for term in body["topics"]]
    assert "heating" in topic_codes
    assert "solar" not in topic_codes
    for kind in ("topics", "requester_types", "channels"):
        assert body[kind], kind
        for term in body[kind]:
            assert set(term) == {"code", "label_sv", "label_en"}
    assert "web" in [term["code"] for term in body["channels"]]


def test_the_openapi_document_is_valid_and_lists_the_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(document).validate()
    assert {"/kb/articles", "/kb/articles/{slug}", "/taxonomy"} <= set(document["paths"])
    parameters = {
        parameter["name"]: parameter
        for parameter in document["paths"]["/kb/articles"]["get"]["parameters"]
    }
    assert parameters["per_page"]["schema"]["maximum"] == 50
    assert set(parameters) == {"q", "topic", "page", "per_page"}
    assert document["servers"] == [{"url": "/api/v1"}]


# --- Property-based: the API keeps the promises of its own OpenAPI document ---------------


@pytest.fixture
def api_schema(app: Any, articles: dict[str, str]) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def key_header(app: Any) -> dict[str, str]:
    """A key with both scopes, so that generated calls reach the keyed operations' work."""
    from advice.api.keys import create_key

    with app.app_context():
        secret = create_key("Schemathesis", ["intake", "stats"], None).secret
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


api = schemathesis.pytest.from_fixture("api_schema")


@api.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_openapi_promises(case: Any, key_header: dict[str, str]) -> None:
    """Generated requests: no 500s, and statuses, media types and bodies as documented.

    Schema-valid data may still be refused: a code can be well-formed and unknown (the
    codes are data, listed by /taxonomy), a custom period can end before it starts, an
    address can be well-formed for the schema's "email" format and not for the form.
    """
    case.call_and_validate(headers=key_header, excluded_checks=[positive_data_acceptance])
