"""Knowledge base pages: /articles for staff, /kb for everyone, and the pieces that the
case page, the question form and the tracking page include."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from advice.accounts.models import User
from advice.cases.access import get_case_or_404
from advice.cases.forms import ReplyForm
from advice.cases.models import Case, CaseEntry
from advice.extensions import csrf, db, limiter
from advice.i18n import current_language
from advice.knowledge import bp, search
from advice.knowledge import services as kb
from advice.knowledge.forms import (
    AUDIENCE_LABELS,
    LANGUAGE_LABELS,
    STATUS_LABELS,
    ArticleForm,
    DraftFromReplyForm,
    ReviewForm,
)
from advice.knowledge.markdown import render, reply_text
from advice.knowledge.models import Article, ArticleRevision, article_topics
from advice.security import public, role_required
from advice.taxonomy.choices import term_choices
from advice.taxonomy.models import Topic
from advice.validators import parse_integer

PAGE_SIZE = 20
VISITOR_COOKIE = "advice_kb_visitor"
VISITOR_COOKIE_DAYS = 400

staff_only = role_required("adviser", "coordinator")
adviser_only = role_required("adviser")


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _page_number() -> int:
    return max(1, min(parse_integer(request.args.get("page")) or 1, 10_000))


def _int_arg(name: str) -> int | None:
    return parse_integer(request.args.get(name))


def _query_text() -> str:
    return (request.args.get("q") or "").strip()[:200]


def _topic_labels() -> dict[int, str]:
    return dict((int(value), label) for value, label in term_choices(Topic, current_language()))


# --- Template helpers for other features' pages -------------------------------------------


@bp.app_template_global()
def linked_public_articles(case: Case) -> list[Article]:
    return kb.linked_public_articles(case)


@bp.app_template_global()
def case_linked_articles(case: Case) -> list[Article]:
    return kb.linked_articles(case)


@bp.app_template_global()
def related_articles(text: str, limit: int = 3) -> list[Article]:
    return kb.suggest(text, limit)


@bp.app_template_global()
def article_url(article: Article, external: bool = False) -> str:
    return url_for("knowledge.public_article", slug=article.slug, _external=external)


# --- Staff: the list, writing and reviewing -----------------------------------------------


@bp.get("/articles")
@staff_only
def staff_index() -> str:
    text = _query_text()
    filters = {
        "topic": _int_arg("topic"),
        "audience": request.args.get("audience")
        if request.args.get("audience") in AUDIENCE_LABELS
        else "",
        "status": request.args.get("status") if request.args.get("status") in STATUS_LABELS else "",
        "author": _int_arg("author"),
    }
    ids = select(Article.id)
    if filters["topic"]:
        ids = ids.where(
            Article.id.in_(
                select(article_topics.c.article_id).where(
                    article_topics.c.topic_id == filters["topic"]
                )
            )
        )
    if filters["audience"]:
        ids = ids.where(Article.audience == filters["audience"])
    if filters["status"]:
        ids = ids.where(Article.status == filters["status"])
    if filters["author"]:
        ids = ids.where(Article.author_id == filters["author"])
    number = _page_number()
    snippets: dict[int, Any] = {}
    if text:
        results = search.query(
            kb.STAFF_KIND,
            text,
            restrict_to=ids,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            count=True,
        )
        articles = kb.articles_in_order(results.doc_ids)
        snippets = {hit.doc_id: hit.snippet for hit in results.hits}
        total = results.total or 0
    else:
        total = int(db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
        articles = list(
            db.session.scalars(
                select(Article)
                .where(Article.id.in_(ids))
                .order_by(Article.updated_at.desc(), Article.id.desc())
                .limit(PAGE_SIZE)
                .offset((number - 1) * PAGE_SIZE)
            )
        )
    authors = db.session.scalars(
        select(User).where(User.id.in_(select(Article.author_id).distinct())).order_by(User.name)
    ).all()
    return render_template(
        "knowledge/staff_index.html",
        articles=articles,
        snippets=snippets,
        text=text,
        filters=filters,
        page=Page(number, PAGE_SIZE, total),
        topics=term_choices(Topic, current_language()),
        authors=authors,
        status_labels=STATUS_LABELS,
        audience_labels=AUDIENCE_LABELS,
    )


def _article_or_404(article_id: int) -> Article:
    return db.get_or_404(Article, article_id)


def _prepared_form(article: Article | None = None) -> ArticleForm:
    if article is not None and request.method == "GET":
        working = kb.latest_revision(article) or article
        form = ArticleForm(
            title=working.title,
            summary=working.summary,
            body=working.body_md,
            slug=article.slug,
            language=article.language,
            audience=article.audience,
            topics=[str(topic.id) for topic in article.topics],
        )
    else:
        form = ArticleForm()
    form.topics.choices = term_choices(Topic, current_language())
    return form


def _draft(form: ArticleForm) -> kb.ArticleDraft:
    return kb.ArticleDraft(
        title=form.title.data or "",
        summary=form.summary.data or "",
        body_md=form.body.data or "",
        language=form.language.data or "sv",
        audience=form.audience.data or "public",
        topic_ids=[int(value) for value in form.topics.data or []],
        slug=form.slug.data or None,
        comment=form.comment.data or None,
    )


def _editor(form: ArticleForm, article: Article | None, status: int = 200) -> tuple[str, int]:
    preview = None
    if request.method == "POST" and request.form.get("action") == "preview":
        preview = render(form.body.data or "")
    return (
        render_template("knowledge/edit.html", form=form, article=article, preview=preview),
        status,
    )


@bp.route("/articles/new", methods=["GET", "POST"])
@staff_only
def new_article() -> Response | tuple[str, int]:
    form = _prepared_form()
    if request.method == "GET" or request.form.get("action") == "preview":
        return _editor(form, None)
    if not form.validate_on_submit():
        return _editor(form, None, 400)
    try:
        article = kb.create_article(_draft(form), current_user)
    except kb.KnowledgeError as error:
        form.form_errors.append(str(error))
        return _editor(form, None, 400)
    db.session.commit()
    flash(_("Utkastet är sparat."), "success")
    return redirect(url_for("knowledge.staff_article", article_id=article.id))


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_article(article_id: int) -> Response | tuple[str, int]:
    article = _article_or_404(article_id)
    form = _prepared_form(article)
    if request.method == "GET" or request.form.get("action") == "preview":
        return _editor(form, article)
    if not form.validate_on_submit():
        return _editor(form, article, 400)
    try:
        revision = kb.save_article(article, _draft(form), current_user)
    except kb.KnowledgeError as error:
        form.form_errors.append(str(error))
        return _editor(form, article, 400)
    db.session.commit()
    if revision is None:
        flash(_("Inget i texten ändrades. Övriga uppgifter är sparade."), "info")
    elif article.is_live:
        flash(
            _(
                "Version %(number)s är sparad. Den publicerade versionen visas tills "
                "ändringarna har granskats.",
                number=revision.number,
            ),
            "success",
        )
    else:
        flash(_("Version %(number)s är sparad.", number=revision.number), "success")
    return redirect(url_for("knowledge.staff_article", article_id=article.id))


@bp.get("/articles/<int:article_id>")
@staff_only
def staff_article(article_id: int) -> str:
    article = _article_or_404(article_id)
    revisions = list(
        db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number.desc())
        )
    )
    working = revisions[0] if revisions else None
    source = working or article
    authors = kb.text_authors(article, working) if working else set()
    return render_template(
        "knowledge/staff_article.html",
        article=article,
        working=working,
        rendered=render(source.body_md),
        revisions=revisions,
        pending=kb.has_pending_changes(article, working),
        may_publish=current_user.id not in authors,
        review_form=ReviewForm(revision=str(working.number) if working else ""),
        status_labels=STATUS_LABELS,
        audience_labels=AUDIENCE_LABELS,
        language_labels=LANGUAGE_LABELS,
    )


def _workflow(article_id: int, action: Any, success: str) -> Response:
    article = _article_or_404(article_id)
    try:
        action(article)
    except kb.KnowledgeError as error:
        db.session.commit()  # keeps the audit event of a refused publication
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("knowledge.staff_article", article_id=article.id))


@bp.post("/articles/<int:article_id>/submit")
@staff_only
def submit_article(article_id: int) -> Response:
    return _workflow(
        article_id,
        lambda article: kb.submit_for_review(article, current_user),
        _("Artikeln är skickad på granskning. En kollega kan nu publicera den."),
    )


@bp.post("/articles/<int:article_id>/review")
@staff_only
def review_article(article_id: int) -> Response:
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    revision = parse_integer(form.revision.data)
    if request.form.get("action") == "send_back":
        return _workflow(
            article_id,
            lambda article: kb.send_back(article, current_user, form.comment.data or ""),
            _("Artikeln är tillbakaskickad till författaren."),
        )
    return _workflow(
        article_id,
        lambda article: kb.publish(article, current_user, revision),
        _("Artikeln är publicerad."),
    )


@bp.post("/articles/<int:article_id>/archive")
@staff_only
def archive_article(article_id: int) -> Response:
    return _workflow(
        article_id,
        lambda article: kb.archive(article, current_user),
        _("Artikeln är arkiverad och visas inte längre."),
    )


@bp.post("/articles/<int:article_id>/restore")
@staff_only
def restore_article(article_id: int) -> Response:
    return _workflow(
        article_id,
        lambda article: kb.restore(article, current_user),
        _("Artikeln är återställd som utkast."),
    )


@bp.get("/articles/<int:article_id>/revisions/<int:number>")
@staff_only
def article_revision(article_id: int, number: int) -> str:
    article = _article_or_404(article_id)
    revision = kb.revision(article, number)
    if revision is None:
        abort(404)
    return render_template(
        "knowledge/revision.html",
        article=article,
        revision=revision,
        rendered=render(revision.body_md),
    )


@bp.get("/articles/<int:article_id>/diff")
@staff_only
def article_diff(article_id: int) -> str:
    article = _article_or_404(article_id)
    numbers = list(
        db.session.scalars(
            select(ArticleRevision.number)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number)
        )
    )
    if not numbers:
        abort(404)
    newer = _int_arg("to") or numbers[-1]
    older = _int_arg("from") or (newer - 1 if newer - 1 in numbers else numbers[0])
    older_revision, newer_revision = kb.revision(article, older), kb.revision(article, newer)
    if older_revision is None or newer_revision is None:
        abort(404)
    return render_template(
        "knowledge/diff.html",
        article=article,
        numbers=numbers,
        older=older_revision,
        newer=newer_revision,
        fields=kb.compare_revisions(older_revision, newer_revision),
    )


@bp.post("/articles/from-reply")
@adviser_only
def draft_from_reply() -> Response:
    form = DraftFromReplyForm()
    if not form.validate_on_submit():
        abort(400)
    entry = db.session.get(CaseEntry, form.entry.data)
    if entry is None:
        abort(404)
    get_case_or_404(entry.case.reference)  # the adviser may see the case
    try:
        article = kb.draft_from_reply(entry, current_user)
    except kb.KnowledgeError:
        abort(400)
    db.session.commit()
    flash(
        _("Ett utkast är skapat av svaret. Kontrollera att inga personuppgifter finns kvar."),
        "success",
    )
    return redirect(url_for("knowledge.edit_article", article_id=article.id))


# --- Staff: articles in cases and replies -------------------------------------------------


def _article_choice(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "summary": article.summary,
        "audience": article.audience,
        "url": url_for("knowledge.public_article", slug=article.slug, _external=True)
        if article.is_public
        else None,
    }


@bp.get("/cases/<reference>/articles")
@adviser_only
def case_articles(reference: str) -> str:
    case = get_case_or_404(reference)
    text = _query_text()
    return render_template(
        "knowledge/case_articles.html",
        case=case,
        text=text,
        results=kb.search_live_articles(text),
        linked={article.id for article in kb.linked_articles(case)},
        audience_labels=AUDIENCE_LABELS,
    )


@bp.post("/cases/<reference>/articles")
@adviser_only
def link_case_article(reference: str) -> Response:
    case = get_case_or_404(reference)
    article = db.session.get(Article, parse_integer(request.form.get("article_id")) or 0)
    if article is None:
        abort(400)
    try:
        linked = kb.link_article(case, article, current_user)
    except kb.KnowledgeError as error:
        flash(str(error), "error")
        return redirect(url_for("knowledge.case_articles", reference=case.reference))
    db.session.commit()
    if linked:
        flash(_("Artikeln är länkad till ärendet."), "success")
    return redirect(url_for("cases.case_page", reference=case.reference) + "#linked-articles")


@bp.post("/cases/<reference>/articles/<int:article_id>/unlink")
@adviser_only
def unlink_case_article(reference: str, article_id: int) -> Response:
    case = get_case_or_404(reference)
    article = _article_or_404(article_id)
    if kb.unlink_article(case, article, current_user):
        db.session.commit()
        flash(_("Länken till artikeln är borttagen."), "success")
    return redirect(url_for("cases.case_page", reference=case.reference) + "#linked-articles")


def _reply_insert(article: Article, mode: str) -> str:
    url = url_for("knowledge.public_article", slug=article.slug, _external=True)
    if mode == "text":
        text = reply_text(article.body_md)
        return f"{text}\n\n{url}" if article.is_public else text
    return f"{article.title}: {url}"


@bp.get("/cases/<reference>/reply-with-article")
@adviser_only
def reply_with_article(reference: str) -> str:
    """The reply form with an article's link or text in it: inserting without JavaScript."""
    case = get_case_or_404(reference)
    article = db.get_or_404(Article, _int_arg("article") or 0)
    if not article.is_live:
        abort(404)
    mode = "text" if request.args.get("mode") == "text" else "link"
    if mode == "link" and not article.is_public:
        abort(404)  # an internal article has no address for the requester
    form = ReplyForm(prefix="reply")
    form.body.data = _reply_insert(article, mode)
    return render_template(
        "knowledge/reply_with_article.html", case=case, article=article, form=form, mode=mode
    )


@bp.get("/articles/reuse.json")
@adviser_only
def reuse_search() -> Response:
    """Live articles for the case page's insert control, with what it can insert."""
    articles = kb.search_live_articles(_query_text(), limit=8)
    return jsonify(
        articles=[
            {
                **_article_choice(article),
                "link": _reply_insert(article, "link") if article.is_public else None,
                "text": _reply_insert(article, "text"),
            }
            for article in articles
        ]
    )


# --- Public: browse, search, read, vote ---------------------------------------------------


@bp.get("/kb")
@public
def public_index() -> str:
    text = _query_text()
    topic_id = _int_arg("topic")
    number = _page_number()
    topic = db.session.get(Topic, topic_id) if topic_id else None
    articles: list[Article] = []
    snippets: dict[int, Any] = {}
    total = 0
    if text:
        results = search.query(
            kb.PUBLIC_KIND,
            text,
            restrict_to=kb.public_article_ids(topic.id if topic else None),
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            count=True,
        )
        articles = kb.articles_in_order(results.doc_ids)
        snippets = {hit.doc_id: hit.snippet for hit in results.hits}
        total = results.total or 0
    else:
        ids = kb.public_article_ids(topic.id if topic else None)
        total = int(db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
        ordering = (Article.title,) if topic else (Article.published_at.desc(), Article.id.desc())
        articles = list(
            db.session.scalars(
                select(Article)
                .where(Article.id.in_(ids))
                .order_by(*ordering)
                .limit(PAGE_SIZE if topic else 8)
                .offset((number - 1) * PAGE_SIZE if topic else 0)
            )
        )
    return render_template(
        "knowledge/public_index.html",
        text=text,
        topic=topic,
        articles=articles,
        snippets=snippets,
        page=Page(number, PAGE_SIZE, total),
        topic_counts=kb.topic_counts(),
    )


@bp.get("/kb/<slug>")
@public
def public_article(slug: str) -> str:
    article = kb.public_article_by_slug(slug)
    if article is None:
        abort(404)
    voted = kb.has_voted(article, request.cookies.get(VISITOR_COOKIE))
    html = render_template(
        "knowledge/public_article.html",
        article=article,
        rendered=render(article.body_md),
        voted=voted,
    )
    db.session.commit()  # ends the read before the view counter may write
    kb.count_view(article)
    return html


def _vote_limit() -> str:
    return str(current_app.config.get("KNOWLEDGE_VOTE_RATE_LIMIT", "10 per minute; 50 per day"))


@bp.post("/kb/<slug>/vote")
@public
@limiter.limit(_vote_limit, scope="knowledge-vote")
def vote(slug: str) -> Response:
    article = kb.public_article_by_slug(slug)
    if article is None:
        abort(404)
    answer = request.form.get("helpful")
    if answer not in ("yes", "no"):
        abort(400)
    visitor = request.cookies.get(VISITOR_COOKIE) or ""
    if not 20 <= len(visitor) <= 64:
        visitor = secrets.token_urlsafe(24)
    counted = kb.record_vote(article, visitor, answer == "yes")
    db.session.commit()
    if counted:
        flash(_("Tack för ditt svar!"), "success")
    else:
        flash(_("Du har redan svarat på om artikeln var till hjälp."), "info")
    response = redirect(url_for("knowledge.public_article", slug=article.slug) + "#vote")
    response.set_cookie(
        VISITOR_COOKIE,
        visitor,
        max_age=VISITOR_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


# The most topics a suggestion request is read for (the form has about a dozen).
MAX_TOPICS = 20


def _suggest_limit() -> str:
    return str(current_app.config.get("KNOWLEDGE_SUGGEST_RATE_LIMIT", "60 per minute"))


@bp.route("/kb/suggest.json", methods=["GET", "POST"])
@public
@csrf.exempt
@limiter.limit(_suggest_limit, scope="knowledge-suggest")
def suggestions() -> Response:
    """The three best public articles for a question being typed (``q``), those of the
    topics ticked on the form (``topic``, repeated) first.

    The script on /ask posts the text (a question can hold personal details, which
    do not belong in a URL and the server's access log); GET works too, for links.
    """
    text = (request.form.get("q") or request.args.get("q") or "")[:2000]
    # The topics ticked on the form, which put their articles first.
    chosen = request.form.getlist("topic") or request.args.getlist("topic")
    topic_ids = {number for value in chosen[:MAX_TOPICS] if (number := parse_integer(value))}
    articles = kb.suggest(text, 3, topic_ids)
    response = jsonify(
        articles=[
            {
                "title": article.title,
                "summary": article.summary,
                "url": url_for("knowledge.public_article", slug=article.slug),
                "language": article.language,
            }
            for article in articles
        ],
        search_url=url_for("knowledge.public_index"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
