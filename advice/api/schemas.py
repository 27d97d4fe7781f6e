"""Marshmallow schemas of the JSON API: they shape the answers, check the query strings,
and are the source of the OpenAPI document's components (see ``advice.api.openapi``)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

MAX_PER_PAGE = 50
MAX_PAGE = 10_000


class ArticleListQuery(Schema):
    """The query string of ``GET /kb/articles``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Words to search for (Swedish or English)."},
    )
    topic = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={
            "description": (
                "Only articles on this topic, a code from /taxonomy; an unknown or retired "
                "code matches no articles."
            )
        },
    )
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), strict=False
    )
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE), strict=False
    )


class Term(Schema):
    """A taxonomy term: a stable code and its labels in Swedish and English."""

    code = fields.String(required=True)
    label_sv = fields.String(required=True)
    label_en = fields.String(required=True)


class Municipality(Schema):
    code = fields.String(
        required=True, metadata={"description": "The official four-digit municipality code."}
    )
    name = fields.String(required=True)


class Taxonomy(Schema):
    municipalities = fields.List(fields.Nested(Municipality), required=True)
    topics = fields.List(fields.Nested(Term), required=True)
    requester_types = fields.List(fields.Nested(Term), required=True)
    channels = fields.List(fields.Nested(Term), required=True)


class ArticleSummary(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(required=True, validate=validate.OneOf(["sv", "en"]))
    topics = fields.List(fields.Nested(Term), required=True)
    url = fields.Url(
        required=True, metadata={"description": "The article on the public site.", "format": "uri"}
    )
    updated_at = fields.AwareDateTime(required=True)


class Article(ArticleSummary):
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    body_html = fields.String(
        required=True,
        metadata={"description": "The article's body as sanitised HTML, as shown on /kb."},
    )


class Paging(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class ArticleList(Schema):
    items = fields.List(fields.Nested(ArticleSummary), required=True)
    paging = fields.Nested(Paging, required=True)


class Problem(Schema):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type = fields.String(load_default="about:blank")
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
