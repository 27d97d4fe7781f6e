"""The JSON API, version 1: the public knowledge base, the taxonomies and the document.

Every answer is JSON; every error under /api/ is application/problem+json (see
``advice.errors``). These views are public and read-only: nothing here writes. Calls with
an integration key live in ``advice.api.cases`` (intake) and ``advice.api.statistics``.
"""

from __future__ import annotations

import math
from typing import Any

from flask import abort, current_app, jsonify, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from advice.api import bp, cases, schemas, staff, statistics  # noqa: F401  (their routes)
from advice.api.openapi import ok, openapi_document, operation, path_parameter, problem
from advice.extensions import db
from advice.knowledge import search
from advice.knowledge import services as kb
from advice.knowledge.markdown import render
from advice.knowledge.models import Article
from advice.regions.models import Municipality
from advice.security import public
from advice.taxonomy.models import Channel, RequesterType, TaxonomyTerm, Topic

_article_summary = schemas.ArticleSummary()
_article = schemas.Article()
_article_list = schemas.ArticleList()
_taxonomy = schemas.Taxonomy()
_list_query = schemas.ArticleListQuery()


def _term(term: TaxonomyTerm) -> dict[str, str]:
    return {"code": term.code, "label_sv": term.label_sv, "label_en": term.label_en}


def _article_fields(article: Article) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary or "",
        "language": article.language,
        "topics": [_term(topic) for topic in sorted(article.topics, key=lambda t: t.sort_order)],
        "url": url_for("knowledge.public_article", slug=article.slug, _external=True),
        "updated_at": article.updated_at,
        "published_at": article.published_at,
    }


@bp.get("/kb/articles")
@public
@operation(
    summary="List or search public knowledge base articles",
    tags=["knowledge base"],
    parameters=[{"in": "query", "schema": schemas.ArticleListQuery}],
    responses={
        "200": ok("ArticleList"),
        "400": problem("A query parameter is invalid."),
    },
)
def list_articles() -> Response:
    args = schemas.load_query(_list_query)
    text, page, per_page = args["q"].strip(), args["page"], args["per_page"]
    topic_id = None
    if args["topic"] is not None:
        topic_id = db.session.scalar(
            select(Topic.id).where(Topic.code == args["topic"], Topic.active.is_(True))
        )
    ids = kb.public_article_ids(topic_id)
    offset = (page - 1) * per_page
    articles: list[Article] = []
    total = 0
    if args["topic"] is not None and topic_id is None:
        pass  # a filter on an unknown or retired topic matches nothing
    elif text:
        results = search.query(
            kb.PUBLIC_KIND,
            text,
            restrict_to=ids,
            limit=per_page,
            offset=offset,
            count=True,
            snippets=False,
        )
        articles = kb.articles_in_order(results.doc_ids)
        total = results.total or 0
    else:
        total = int(db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
        articles = list(
            db.session.scalars(
                select(Article)
                .where(Article.id.in_(ids))
                .order_by(Article.published_at.desc(), Article.id.desc())
                .limit(per_page)
                .offset(offset)
            )
        )
    body = {
        "items": [_article_fields(article) for article in articles],
        "paging": {
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": max(1, math.ceil(total / per_page)),
        },
    }
    return jsonify(_article_list.dump(body))


@bp.get("/kb/articles/<slug>")
@public
@operation(
    summary="One public knowledge base article, with its body as sanitised HTML",
    tags=["knowledge base"],
    parameters=[path_parameter("slug", 200)],
    responses={
        "200": ok("Article"),
        "404": problem("No published public article has this slug."),
    },
)
def get_article(slug: str) -> Response:
    article = kb.public_article_by_slug(slug)
    if article is None:
        abort(404, description="No published public article has this slug.")
    body = _article_fields(article)
    body["body_html"] = str(render(article.body_md).html)
    return jsonify(_article.dump(body))


def _active(model: type[TaxonomyTerm]) -> list[dict[str, str]]:
    terms = db.session.scalars(
        select(model).where(model.active.is_(True)).order_by(model.sort_order, model.id)
    )
    return [_term(term) for term in terms]


@bp.get("/taxonomy")
@public
@operation(
    summary="Municipalities and the active topics, requester types and channels",
    tags=["taxonomy"],
    responses={"200": ok("Taxonomy")},
)
def taxonomy() -> Response:
    municipalities = db.session.execute(
        select(Municipality.code, Municipality.name).order_by(Municipality.name)
    )
    body = {
        "municipalities": [{"code": code, "name": name} for code, name in municipalities],
        "topics": _active(Topic),
        "requester_types": _active(RequesterType),
        "channels": _active(Channel),
    }
    return jsonify(_taxonomy.dump(body))


@bp.get("/openapi.json", endpoint="openapi_document")
@public
def openapi() -> Response:
    return jsonify(openapi_document(current_app))
