"""Full-text search that understands Swedish (and English): one interface, two engines.

    index(Document(kind="article", doc_id=7, language="sv", title=..., summary=..., body=...))
    remove("article", 7)
    results = query("article", "värmepumpar", restrict_to=select(Article.id).where(...))

Documents are of a *kind* ("article", "article_public", later "case"), carry their
language and three weighted fields (title > summary > body). ``query`` returns ranked
hits with highlighted snippets; ``restrict_to`` is a SELECT of the ``doc_id`` values the
caller may see, so access rules stay with the caller and are checked in the same query.

The engines:

- **PostgreSQL**: a ``tsvector`` column on ``search_documents``, built with the
  document's language configuration (``swedish`` or ``english``, Snowball stemmers and
  stop words) and ``setweight`` per field, a GIN index, ``ts_rank`` and ``ts_headline``.
  The column is written in the same statement as the document, so there is no trigger.
- **SQLite**: an FTS5 table ``search_fts`` (rowid = ``search_documents.id``) holding the
  fields as Snowball stems, computed here in Python with the same algorithms and stop
  words PostgreSQL uses; queries are stemmed the same way, ranked with ``bm25`` and the
  snippets are cut in Python from the plain text in ``search_documents``.

Both treat a query the same: words of four letters or more match as prefixes of their
stem (so "tilläggsisolera", stem "tilläggsisoler", finds "tilläggsisolering"), stop words
are dropped, and each document is matched with its own language's stemming. ``match="all"``
(the search boxes) needs every word, ``match="any"`` (suggestions for a question being
typed) ranks documents by the words they share. One exception, on PostgreSQL at scale:
a prefix so common that the index would gather it from more than ``PREFIX_GATHER_LIMIT``
documents (``värmepump`` in a fifth of a million cases) is asked for as the word's own
forms, and of several words that all must match only the cheapest are asked of the index
(each document found is then tested for all); both are estimated from the statistics
ANALYZE keeps for the planner, so a small index is never affected.

Two optional features serve indexes too large to rank every match (cases at national
scale), on both engines:

- **Tags**: a document may carry short labels (``Document(tags=("o3",))``, the office
  holding a case) and a query may require any of some (``tags=["o3", "o7"]``). They are
  stored as lexemes behind a private-use character that no text can produce (on SQLite
  in a column of their own, migration 0006, which bm25 weighs 0), so the full-text index
  itself applies the filter, before anything is ranked or counted; tags never change a
  document's rank.
- **Newest first**: ``query(..., newest=1000)`` ranks only the 1,000 newest matches
  (highest ``doc_id``). Documents indexed with ``age_bands=True`` carry tags for bands of
  their ``doc_id`` (4,096 ids, 16,384, …), so the query looks at the newest band first and
  widens it only while too few documents match: a word found in half a million documents
  costs about as much as one found in a thousand. ``total`` then counts the candidates
  and ``capped`` says that more matched.

Every write goes through the caller's session, so the index changes in the same
transaction as the document it describes. ``index_many`` writes many documents at once
(a rebuild, a bulk load): on PostgreSQL one COPY and one INSERT … SELECT that builds the
tsvectors in the database. The engine structures are raw SQL (created by
migration 0003), outside SQLAlchemy's metadata; ``include_name`` tells Alembic's
autogenerate to leave them alone.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import snowballstemmer
from markupsafe import Markup, escape
from psycopg import sql
from sqlalchemy import (
    Column,
    Float,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, TSQUERY, TSVECTOR
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from advice.clock import utcnow
from advice.extensions import db
from advice.knowledge.models import SearchDocument

Match = Literal["all", "any"]

LANGUAGES = {"sv": "swedish", "en": "english"}
# Field weights: PostgreSQL's labels A, B, C and FTS5's bm25 column weights.
FIELD_LABELS = {"title": "A", "summary": "B", "body": "C"}
BM25_WEIGHTS = (10.0, 4.0, 2.0, 0.0)  # and SQLite's tags column, which never ranks
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
PREFIX_MIN_LENGTH = 4
MAX_QUERY_WORDS = 24
SNIPPET_WORDS = 28
# Markers a snippet carries from the engine until it is escaped and given <mark> tags:
# characters from Unicode's private use area, removed from every indexed text.
MARK_START, MARK_END = "\ue000", "\ue001"
# Tags are lexemes that start with this private-use character: neither PostgreSQL's parser
# nor ``words`` ever makes it part of a word, and it is removed from every indexed text,
# so no text can forge a tag.
TAG_MARK = "\ue010"
_MARKERS = re.compile(f"[{MARK_START}{MARK_END}{TAG_MARK}]")
_TAG = re.compile(r"[a-z0-9]{1,40}")
# Age bands: a document's doc_id shifted right by each of these, as tags "b<bits>n<band>".
AGE_BAND_BITS = (12, 14, 16, 18, 20, 22, 24)
FIELDS = ("title", "summary", "body")
_WORD = re.compile(r"[^\W_]+")
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

FTS_TABLE = "search_fts"
TSV_COLUMN = "tsv"
TSV_INDEX = "ix_search_documents_tsv"

documents = SearchDocument.__table__


# --- Words, stop words and stems ---------------------------------------------------------


@lru_cache(maxsize=2)
def stop_words(language: str) -> frozenset[str]:
    path = Path(__file__).parent / "stopwords" / f"{LANGUAGES[language]}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(LANGUAGES[language])


@lru_cache(maxsize=100_000)
def stem(word: str, language: str) -> str:
    """The Snowball stem of a lower-case word, as PostgreSQL's configuration makes it."""
    return str(_stemmer(language).stemWord(word))


def words(text_: str) -> list[str]:
    """Lower-case words: runs of letters and digits (hyphens and slashes separate)."""
    return _WORD.findall(text_.lower())


def index_terms(text_: str, language: str) -> str:
    """The stems of a text's words without stop words, space-separated, for FTS5."""
    stops = stop_words(language)
    return " ".join(stem(word, language) for word in words(text_) if word not in stops)


@dataclass(frozen=True)
class QueryTerm:
    word: str
    stem: str
    prefix: bool


def query_words(text_: str) -> list[str]:
    """The distinct words of a query, in order, at most ``MAX_QUERY_WORDS``."""
    seen: dict[str, None] = {}
    for word in words(text_):
        seen.setdefault(word, None)
        if len(seen) >= MAX_QUERY_WORDS:
            break
    return list(seen)


def query_terms(text_: str, language: str) -> list[QueryTerm]:
    """What a query asks of documents in ``language``: stems, some as prefixes."""
    stops = stop_words(language)
    terms: dict[str, QueryTerm] = {}
    for word in query_words(text_):
        if word in stops:
            continue
        term = QueryTerm(word, stem(word, language), prefix=len(word) >= PREFIX_MIN_LENGTH)
        if term.stem not in terms or term.prefix:
            terms[term.stem] = term
    return list(terms.values())


# --- The interface ------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    kind: str
    doc_id: int
    language: str
    title: str
    summary: str = ""
    body: str = ""
    # Labels a query can require with ``tags=`` (lower-case letters and digits).
    tags: tuple[str, ...] = ()
    # Found as words of the title, but not stored, so never part of a snippet (a case's
    # requester, whose name the hit shows anyway).
    keywords: str = ""
    # Index the doc_id's age bands too, for queries with ``newest=``.
    age_bands: bool = False

    def lexemes(self) -> list[str]:
        """The tags (and age bands) as the lexemes the index holds."""
        labels = list(self.tags)
        if self.age_bands:
            labels += [f"b{bits}n{self.doc_id >> bits}" for bits in AGE_BAND_BITS]
        return [tag_lexeme(label) for label in dict.fromkeys(labels)]


def tag_lexeme(tag: str) -> str:
    if not _TAG.fullmatch(tag):
        raise ValueError(f"a tag is 1 to 40 lower-case letters and digits, not {tag!r}")
    return TAG_MARK + tag


@dataclass(frozen=True)
class Hit:
    doc_id: int
    rank: float
    snippet: Markup


@dataclass
class SearchResults:
    hits: list[Hit] = field(default_factory=list)
    # Every match, for pagination; None when the caller did not ask. With ``newest=N``:
    # the candidates ranked, at most N.
    total: int | None = None
    # With ``newest=N``: more than N documents matched; the hits are the best of the newest.
    capped: bool = False

    @property
    def doc_ids(self) -> list[int]:
        return [hit.doc_id for hit in self.hits]


def index(document: Document) -> None:
    """Add or replace a document in the index, in the session's transaction."""
    _engine().index(_cleaned(document))


def _cleaned(document: Document) -> Document:
    if document.language not in LANGUAGES:
        raise ValueError(f"no search configuration for language {document.language!r}")
    return Document(
        kind=document.kind,
        doc_id=document.doc_id,
        language=document.language,
        title=_MARKERS.sub("", document.title),
        summary=_MARKERS.sub("", document.summary),
        body=_MARKERS.sub("", document.body),
        tags=document.tags,
        keywords=_MARKERS.sub("", document.keywords),
        age_bands=document.age_bands,
    )


def index_many(documents: Iterable[Document]) -> int:
    """Add or replace many documents at once, in the session's transaction; returns how
    many. For rebuilds and bulk loads: on PostgreSQL a COPY and one INSERT … SELECT."""
    cleaned = [_cleaned(document) for document in documents]
    if cleaned:
        _engine().index_many(cleaned)
    return len(cleaned)


def remove(kind: str, doc_id: int) -> None:
    """Take a document out of the index (nothing happens when it is not there)."""
    _engine().remove(kind, doc_id)


def query(
    kind: str,
    text_: str,
    *,
    restrict_to: Select[Any] | None = None,
    match: Match = "all",
    limit: int = 20,
    offset: int = 0,
    count: bool = False,
    snippets: bool = True,
    tags: Collection[str] | None = None,
    newest: int | None = None,
    snippet_fields: Sequence[str] = ("summary", "body"),
) -> SearchResults:
    """Ranked hits among documents of ``kind`` whose ``doc_id`` is in ``restrict_to``.

    ``tags``: only documents carrying at least one of them (an empty collection finds
    nothing). ``newest``: rank only the newest ``newest`` matches; ``total`` is then always
    counted. ``snippet_fields``: the fields the snippets are cut from, in this order.
    """
    terms = {language: query_terms(text_, language) for language in LANGUAGES}
    terms = {language: found for language, found in terms.items() if found}
    if not terms or (tags is not None and not tags):
        return SearchResults(hits=[], total=0 if count or newest is not None else None)
    if not set(snippet_fields) <= set(FIELDS) or not snippet_fields:
        raise ValueError(f"snippets are cut from {FIELDS}, not {snippet_fields!r}")
    groups = [[tag_lexeme(tag) for tag in dict.fromkeys(tags)]] if tags is not None else []
    engine = _engine()
    terms = {language: engine.bounded(found) for language, found in terms.items()}
    request = SearchRequest(kind, terms, restrict_to, match, groups, tuple(snippet_fields))
    if newest is None:
        return engine.query(request, limit, offset, count, snippets)
    return _newest_first(engine, request, newest, limit, offset, snippets)


@dataclass(frozen=True)
class SearchRequest:
    """A query as the engines receive it."""

    kind: str
    terms: dict[str, list[QueryTerm]]
    restrict_to: Select[Any] | None
    match: Match
    # Each group is a list of tag lexemes; a document needs one of every group.
    groups: list[list[str]]
    snippet_fields: tuple[str, ...]

    def narrowed(self, group: list[str]) -> SearchRequest:
        return SearchRequest(
            self.kind,
            self.terms,
            self.restrict_to,
            self.match,
            [*self.groups, group],
            self.snippet_fields,
        )


def band_tags(low: int, high: int) -> tuple[list[str], int]:
    """Age band tags that cover the doc_ids from ``low`` to ``high``, and the first id
    they cover: bands of the largest size that covers at most a quarter more."""
    slack = (high - low + 1) // 4
    for bits in reversed(AGE_BAND_BITS):
        start = (low >> bits) << bits
        if start >= low - slack or bits == AGE_BAND_BITS[0]:
            bands = range(low >> bits, (high >> bits) + 1)
            return [tag_lexeme(f"b{bits}n{band}") for band in bands], start
    raise AssertionError("unreachable")  # the smallest band size always answers


# Newest first: the probe looks at the newest band of 4,096 ids and the one before; with at
# least MIN_SAMPLE hits there, the window that should hold enough is sized from their
# density (with a MARGIN) and searched next, whichever way costs less: document by
# document (the index finds the tagged documents of the window, each is tested for the
# words), or in the full-text index. The index answers an exact word by skipping through
# its entries, but a prefix (``värmepump:*``) by gathering every document of every word
# that starts so, in the whole index: about a tenth of the cost of testing a document, per
# document gathered (measured on PostgreSQL 15 at 1,000,000 cases). The number gathered
# is estimated from the probe's density; a common word's prefix gathers hundreds of
# thousands where its window holds a few thousand. Too few hits in either: the query
# without bands.
PROBE_BITS = AGE_BAND_BITS[0]
MIN_SAMPLE = 8
MARGIN = 1.3
SCAN_LIMIT = 10_000
GATHER_COST = 0.2  # of a prefix's document gathered by the index, against one tested


def _newest_first(
    engine: PostgresEngine | SqliteEngine,
    request: SearchRequest,
    newest: int,
    limit: int,
    offset: int,
    snippets: bool,
) -> SearchResults:
    """Rank the ``newest`` newest matches, looked for among recent documents first.

    A window of recent doc_ids that holds more than ``newest`` matches holds the newest
    ``newest`` of them all, so the answer is the unbanded query's; only the work differs:
    a common word is answered from a window of a few thousand documents, a rare one by
    the full-text index over all of them.
    """
    want = newest + 1
    top = db.session.scalar(
        select(func.max(documents.c.doc_id)).where(documents.c.kind == request.kind)
    )
    found = _from_recent_bands(engine, request, want, top or 0)
    if found is None:
        found = engine.candidates(request, want)
    capped = len(found) > newest
    ranked = sorted(found[:newest], key=lambda candidate: (-candidate[1], candidate[0]))
    page = ranked[offset : offset + limit]
    cut = engine.snippets(request, [doc_id for doc_id, _rank in page]) if snippets else {}
    hits = [Hit(doc_id, rank, cut.get(doc_id, Markup(""))) for doc_id, rank in page]
    return SearchResults(hits=hits, total=min(len(found), newest), capped=capped)


def _from_recent_bands(
    engine: PostgresEngine | SqliteEngine, request: SearchRequest, want: int, top: int
) -> list[tuple[int, float]] | None:
    """``want`` newest matches found in a window of recent documents; None if none held
    enough (or the index is so small that a window would hold nearly all of it)."""
    if top >> PROBE_BITS < 2:
        return None
    tags, start = band_tags(((top >> PROBE_BITS) - 1) << PROBE_BITS, top)
    if 3 * (top - start + 1) > top:
        return None  # a window holding a third of the index saves little
    scanned, sample = engine.probe(request.narrowed(tags))
    if len(sample) >= want:
        return sample[:want]
    if len(sample) < MIN_SAMPLE:
        return None
    probed = top - start + 1
    needed = int(probed * MARGIN * want / len(sample))
    tags, start = band_tags(max(1, top - needed + 1), top)
    if start <= 0:
        return None
    through = None if scanned is None else scanned * (top - start + 1) / probed
    in_index = through is None or through > _gathered_by_index(request, sample, scanned, top)
    found = engine.candidates(request.narrowed(tags), want, in_index=in_index)
    return found if len(found) >= want else None


# Of the words that all must match, the full-text index is asked only for those that make it
# cheapest; each document it finds is tested for all of them. A prefix costs what the index
# gathers (GATHER_COST per document, against one tested); an exact word is skipped through
# and costs almost nothing. Estimated from PostgreSQL's own statistics of the tsvector
# column (its most common lexemes and their shares, as ANALYZE keeps them for the planner),
# read at most every STATISTICS_SECONDS; a word not among them is rarer than any that is.
# A prefix the index would gather from more than PREFIX_GATHER_LIMIT documents is not
# asked for at all: the word is searched in its own forms (``värmepumpar`` still finds
# ``värmepump`` and ``värmepumpen``, but no longer ``värmepumpsinstallation``). Only a
# large index holds such a word; it is the common word that matches thousands of cases
# anyway, and its prefix would cost a national index a tenth of a second.
STATISTICS_SECONDS = 600.0
# Statements of the same shape are built once per process and run with each request's
# values: building and keying one of this size costs SQLAlchemy about 2 ms. Every value
# that varies is a bind parameter without a default, so a value not given fails loudly
# instead of running with another request's (another adviser's offices).
STATEMENTS_KEPT = 1_000
_statements: dict[tuple[Any, ...], Any] = {}
PARSED_WORDS_KEPT = 50_000
_parsed_words: dict[tuple[str, str], str] = {}
PREFIX_GATHER_LIMIT = 50_000
_statistics: dict[str, tuple[float, CommonLexemes | None]] = {}


@dataclass(frozen=True)
class CommonLexemes:
    lexemes: list[str]  # sorted
    shares: list[float]  # the share of documents holding each
    rarest: float  # the share of the least common among them
    documents: float  # how many documents the index holds (estimated)

    def share(self, lexeme: str, prefix: bool) -> float:
        """The estimated share of documents holding ``lexeme`` (or a word it begins)."""
        position = bisect_left(self.lexemes, lexeme)
        found = 0.0
        while position < len(self.lexemes) and self.lexemes[position].startswith(lexeme):
            if prefix or self.lexemes[position] == lexeme:
                found += self.shares[position]
            if not prefix:
                break
            position += 1
        return min(1.0, found) if found else self.rarest / 2


def bounded_prefixes(terms: list[QueryTerm], common: CommonLexemes | None) -> list[QueryTerm]:
    """The terms, those whose prefix is too common to gather asked for as whole words."""
    if common is None:
        return terms
    return [
        QueryTerm(term.word, term.stem, prefix=False)
        if term.prefix and common.share(term.stem, True) * common.documents > PREFIX_GATHER_LIMIT
        else term
        for term in terms
    ]


def common_lexemes() -> CommonLexemes | None:
    """The tsvector column's most common lexemes, from ``pg_stats``; None before ANALYZE."""
    key = str(db.session.get_bind().url)
    if key in _statistics:
        read_at, known = _statistics[key]
        if time.monotonic() - read_at < STATISTICS_SECONDS:
            return known
    row = db.session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs, "
            "(SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)) FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = :table AND attname = :column"
        ),
        {"table": documents.name, "column": TSV_COLUMN},
    ).first()
    known = None
    if row is not None and row[0]:
        # most_common_elem_freqs: a share per lexeme, then the least, the most and nulls.
        pairs = sorted(zip(row[0], row[1], strict=False))
        known = CommonLexemes(
            [lexeme for lexeme, _ in pairs],
            [share for _, share in pairs],
            min(row[1][: len(row[0])]),
            max(float(row[2] or 0), 0.0),
        )
    _statistics[key] = (time.monotonic(), known)
    return known


def _cheapest_conjunction(
    words_: list[set[tuple[str, bool]]], groups: list[list[str]], common: CommonLexemes | None
) -> list[set[tuple[str, bool]]]:
    """The words (each a set of alternative lexemes) to ask the index for: all of them, or
    fewer when gathering a common prefix would cost more than testing what the others find
    among the documents with the required tags (``groups``). Any subset finds every
    document that all the words match."""
    if common is None or len(words_) < 2:
        return words_
    tagged = 1.0
    for group in groups:
        tagged *= min(1.0, sum(common.share(lexeme, False) for lexeme in group))

    def gathered(alternatives: set[tuple[str, bool]]) -> float:
        return sum(common.share(lexeme, True) for lexeme, prefix in alternatives if prefix)

    def matched(alternatives: set[tuple[str, bool]]) -> float:
        return min(1.0, sum(common.share(lexeme, prefix) for lexeme, prefix in alternatives))

    def cost(chosen: list[set[tuple[str, bool]]]) -> float:
        found = tagged
        for alternatives in chosen:
            found *= matched(alternatives)  # as if independent
        return GATHER_COST * sum(gathered(a) for a in chosen) + found

    by_cost = sorted(
        words_, key=lambda alternatives: (gathered(alternatives), matched(alternatives))
    )
    best = by_cost[:1]
    for count in range(2, len(by_cost) + 1):
        if cost(by_cost[:count]) < cost(best):
            best = by_cost[:count]
    return best


def _gathered_by_index(
    request: SearchRequest, sample: list[tuple[int, float]], scanned: int | None, top: int
) -> float:
    """What answering in the index costs, in documents tested one by one: a prefix gathers
    every document of every word it begins, in all the index (as many as PostgreSQL's
    statistics say, or else as the probe's density says match). Exact words only: the
    index skips, and the window is never tested document by document beyond SCAN_LIMIT."""
    prefixes = [term for found in request.terms.values() for term in found if term.prefix]
    if not prefixes or not scanned:
        return SCAN_LIMIT
    common = common_lexemes()
    if common is None:
        gathered = top * len(sample) / scanned
    else:
        gathered = sum(common.share(term.stem, True) for term in prefixes) * common.documents
    return max(SCAN_LIMIT, GATHER_COST * gathered)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """For Alembic (``include_name``): the engines' own structures are not the ORM's."""
    if type_ == "table" and name is not None:
        return not (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "column" and parent_names.get("table_name") == documents.name:
        return name != TSV_COLUMN
    if type_ == "index":
        return name != TSV_INDEX
    return True


# --- The engines --------------------------------------------------------------------------


def _engine() -> PostgresEngine | SqliteEngine:
    if db.session.get_bind().dialect.name == "postgresql":
        return PostgresEngine()
    return SqliteEngine()


def _restricted(where: list[Any], doc_id: Any, restrict_to: Select[Any] | None) -> list[Any]:
    if restrict_to is not None:
        where.append(doc_id.in_(restrict_to.scalar_subquery()))
    return where


def _document_values(document: Document) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "doc_id": document.doc_id,
        "language": document.language,
        "title": document.title,
        "summary": document.summary,
        "body": document.body,
        "updated_at": utcnow(),
    }


def _indexed_title(document: Document) -> str:
    return f"{document.title}\n{document.keywords}" if document.keywords else document.title


def _with_tsvector() -> Table:
    """search_documents as PostgreSQL has it: with the tsvector the ORM does not map."""
    with_tsv = documents.to_metadata(MetaData())
    with_tsv.append_column(Column(TSV_COLUMN, TSVECTOR))
    return with_tsv


def _pg_config(language: Any) -> Any:
    """The text search configuration of a document's language code (a column)."""
    return case(*[(language == code, cast(name, REGCONFIG)) for code, name in LANGUAGES.items()])


class PostgresEngine:
    table = _with_tsvector()
    # Rows of a bulk write, COPYed here and turned into tsvectors by one INSERT … SELECT.
    BULK_TABLE = "search_documents_bulk"

    @staticmethod
    def bounded(terms: list[QueryTerm]) -> list[QueryTerm]:
        return bounded_prefixes(terms, common_lexemes())

    @staticmethod
    def _vector(config: Any, fields: dict[str, Any], lexemes: Any) -> Any:
        """The weighted tsvector of the three fields, with the tags appended."""
        vector = None
        for name, label in FIELD_LABELS.items():
            # The label is one of our constants A, B or C: a literal of type "char".
            part = func.setweight(
                func.to_tsvector(config, fields[name]), literal_column(f"'{label}'")
            )
            vector = part if vector is None else vector.op("||")(part)
        if lexemes is not None:
            vector = vector.op("||")(func.array_to_tsvector(lexemes, type_=TSVECTOR))
        return vector

    def index(self, document: Document) -> None:
        values = _document_values(document)
        lexemes = document.lexemes()
        vector = self._vector(
            cast(LANGUAGES[document.language], REGCONFIG),
            values | {"title": _indexed_title(document)},
            bindparam("lexemes", lexemes, type_=ARRAY(Text)) if lexemes else None,
        )
        statement = pg_insert(self.table).values(**values, **{TSV_COLUMN: vector})
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "doc_id"],
            set_={
                name: statement.excluded[name]
                for name in [*values, TSV_COLUMN]
                if name not in ("kind", "doc_id")
            },
        )
        db.session.execute(statement)

    def index_many(self, documents_: list[Document]) -> None:
        bulk = sql.Identifier(self.BULK_TABLE)
        columns = (
            "kind",
            "doc_id",
            "language",
            "title",
            "summary",
            "body",
            "lexemes",
            "indexed_title",
        )
        connection = db.session.connection()
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.BULK_TABLE} (kind varchar(30), "
            "doc_id integer, language varchar(2), title text, summary text, body text, "
            "lexemes text[], indexed_title text) ON COMMIT DELETE ROWS"
        )
        # Of a document indexed twice in one call, the last version counts.
        latest = {(document.kind, document.doc_id): document for document in documents_}
        with connection.connection.driver_connection.cursor() as cursor:
            statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
                table=bulk, columns=sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with cursor.copy(statement) as copy:
                for document in latest.values():
                    copy.write_row(
                        (
                            document.kind,
                            document.doc_id,
                            document.language,
                            document.title,
                            document.summary,
                            document.body,
                            document.lexemes() or None,
                            _indexed_title(document),
                        )
                    )
        source = table(self.BULK_TABLE, *(column(name) for name in columns))
        s = source.c
        # No tags: a NULL array, and an empty tsvector appended.
        tags = func.coalesce(
            func.array_to_tsvector(s.lexemes, type_=TSVECTOR), cast(literal(""), TSVECTOR)
        )
        vector = self._vector(
            _pg_config(s.language),
            {"title": s.indexed_title, "summary": s.summary, "body": s.body},
            None,
        ).op("||")(tags)
        now = bindparam("now", utcnow(), type_=documents.c.updated_at.type)
        names = ["kind", "doc_id", "language", "title", "summary", "body"]
        statement = pg_insert(self.table).from_select(
            [*names, "updated_at", TSV_COLUMN],
            select(*(s[name] for name in names), now, vector),
        )
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "doc_id"],
            set_={
                name: statement.excluded[name]
                for name in ["language", "title", "summary", "body", "updated_at", TSV_COLUMN]
            },
        )
        db.session.execute(statement)
        connection.exec_driver_sql(f"TRUNCATE {self.BULK_TABLE}")

    def remove(self, kind: str, doc_id: int) -> None:
        db.session.execute(
            delete(documents).where(documents.c.kind == kind, documents.c.doc_id == doc_id)
        )

    @staticmethod
    def _per_language(language: Any, queries: dict[str, Any]) -> Any:
        """The row's own language's query."""
        if len(queries) == 1:
            return next(iter(queries.values()))
        return case(*[(language == lang, q) for lang, q in queries.items()])

    @staticmethod
    def _tsquery_text(terms: list[QueryTerm], match: Match) -> str:
        # Words hold letters and digits only, so this is safe to_tsquery syntax; the
        # language's configuration stems them as it stemmed the documents.
        operator = " & " if match == "all" else " | "
        return operator.join(f"{t.word}:*" if t.prefix else t.word for t in terms)

    def _tagged(self, tsv: Any, groups: list[list[str]]) -> list[Any]:
        """A condition per group of tags. Each is a scan key of its own in the GIN index,
        which then skips through the posting lists of the others instead of walking them
        all, as it must for one tsquery of ``words & (tags) & (bands)``: 15 ms instead of
        27 for a word in a few percent of 1,000,000 cases, 1 instead of 16 for a common one.
        """
        return [
            tsv.op("@@")(cast(bindparam(f"tags_{number}", type_=Text), TSQUERY))
            for number in range(len(groups))
        ]

    def _values(self, request: SearchRequest, **more: Any) -> dict[str, Any]:
        """The request's values for the bind parameters of its statements (``more``: those
        of one statement; None where the statement has no such parameter)."""
        values: dict[str, Any] = {
            f"q_{language}": self._tsquery_text(found, request.match)
            for language, found in request.terms.items()
        }
        for number, group in enumerate(request.groups):
            # Tag lexemes are the tag mark and [a-z0-9]: safe between quotes.
            values[f"tags_{number}"] = " | ".join(f"'{lexeme}'" for lexeme in group)
        return values | {name: value for name, value in more.items() if value is not None}

    @staticmethod
    def _reused(shape: tuple[Any, ...] | None, build: Callable[[], Any]) -> Any:
        """The statement of this shape, built once per process (``shape`` None: built
        anew, as for a request restricted by the caller's own SELECT)."""
        if shape is None:
            return build()
        statement = _statements.get(shape)
        if statement is None:
            if len(_statements) >= STATEMENTS_KEPT:
                _statements.clear()
            statement = _statements[shape] = build()
        return statement

    @staticmethod
    def _shape(name: str, request: SearchRequest, *more: Any) -> tuple[Any, ...] | None:
        """What decides a statement's SQL, apart from the values it is run with."""
        if request.restrict_to is not None:
            return None
        return (
            name,
            request.kind,
            tuple(request.terms),
            request.match,
            len(request.groups),
            request.snippet_fields,
            *more,
        )

    def _queries(self, request: SearchRequest) -> dict[str, Any]:
        """Per language: the words' tsquery (for ranking and snippets). Each is a scalar
        subquery, which PostgreSQL computes once per statement: ``to_tsquery`` is only
        stable, and as a plain expression it would be parsed again for every row tested."""
        return {
            language: select(
                func.to_tsquery(
                    cast(LANGUAGES[language], REGCONFIG),
                    bindparam(f"q_{language}", type_=Text),
                    type_=TSQUERY,
                )
            ).scalar_subquery()
            for language in request.terms
        }

    def _where(self, request: SearchRequest, queries: dict[str, Any]) -> list[Any]:
        """The matching documents: each in its own language, with the tags required."""
        d = self.table.c
        language_matches = [
            and_(
                d.language == language,
                d.tsv.op("@@")(tsquery),
                *self._tagged(d.tsv, request.groups),
            )
            for language, tsquery in queries.items()
        ]
        return _restricted(
            [d.kind == request.kind, or_(*language_matches)], d.doc_id, request.restrict_to
        )

    def _rank(self, tsv: Any, language: Any, queries: dict[str, Any]) -> Any:
        return func.ts_rank(
            literal_column(f"'{PG_RANK_WEIGHTS}'::real[]"),  # a constant of this module
            tsv,
            self._per_language(language, queries),
            1,  # divided by 1 + the logarithm of the document's length, as bm25 does
            type_=Float,
        )

    def _headline(self, row: Any, request: SearchRequest, queries: dict[str, Any]) -> Any:
        text_ = None
        for name in request.snippet_fields:
            part = getattr(row.c, name)
            text_ = part if text_ is None else text_.op("||")(literal("\n")).op("||")(part)
        return func.ts_headline(
            _pg_config(row.c.language),
            text_,
            self._per_language(row.c.language, queries),
            literal(HEADLINE_OPTIONS),
        )

    def query(
        self, request: SearchRequest, limit: int, offset: int, count: bool, snippets: bool
    ) -> SearchResults:
        queries = self._queries(request)
        d = self.table.c
        where = self._where(request, queries)
        rank = self._rank(d.tsv, d.language, queries)
        ranked = (
            select(d.doc_id, d.language, d.title, d.summary, d.body, rank.label("rank"))
            .where(*where)
            .order_by(rank.desc(), d.doc_id)
            .limit(limit)
            .offset(offset)
        ).subquery("ranked")
        columns: list[Any] = [ranked.c.doc_id, ranked.c.rank]
        if snippets:
            # ts_headline is costly: only for the page of hits, after the LIMIT.
            columns.append(self._headline(ranked, request, queries))
        values = self._values(request)
        rows = db.session.execute(
            select(*columns).order_by(ranked.c.rank.desc(), ranked.c.doc_id), values
        ).all()
        hits = [
            Hit(row[0], float(row[1]), marked_snippet(row[2]) if snippets else Markup(""))
            for row in rows
        ]
        total = None
        if count:
            counted = select(func.count()).select_from(self.table).where(*where)
            total = int(db.session.scalar(counted, values) or 0)
        return SearchResults(hits=hits, total=total)

    def _words_match(self, row: Any, queries: dict[str, Any]) -> Any:
        """A row matches the words of its own language (tested on the row, not the index)."""
        return or_(
            *[
                and_(row.c.language == language, row.c.tsv.op("@@")(tsquery))
                for language, tsquery in queries.items()
            ]
        )

    def _indexed(self, request: SearchRequest, words_query: str | None) -> Any:
        """The documents the index finds with the required tags (and, given, a tsquery of
        lexemes every match has), to be tested for the words of their own language; OFFSET
        0 keeps the planner from adding those tests to the index scan."""
        d = self.table.c
        where = [d.kind == request.kind, *self._tagged(d.tsv, request.groups)]
        if words_query is not None:
            where.append(d.tsv.op("@@")(cast(bindparam("found", type_=Text), TSQUERY)))
        where = _restricted(where, d.doc_id, request.restrict_to)
        return select(d.id, d.doc_id, d.language, d.tsv).where(*where).offset(0).subquery("found")

    def _lexemes_of_every_language(self, request: SearchRequest) -> str | None:
        """A tsquery, in lexemes as PostgreSQL stems them, that every document matching the
        request in any language matches: one index scan for all languages instead of one
        each (a Swedish word's English stem is mostly a prefix of its Swedish one, and its
        prefix scan would gather the same entries again). None when there is none to make.
        """
        words_ = sorted({term.word for found in request.terms.values() for term in found})
        stems: dict[tuple[str, str], str] = {}
        parsed = self._parsed_words(words_)
        for word in words_:
            for language in request.terms:
                lexeme = parsed[(word, language)]
                # One quoted lexeme ('värmepump') or nothing (a stop word).
                if lexeme and re.fullmatch(r"'[^'\\]+'", lexeme):
                    stems[(word, language)] = lexeme[1:-1]
                elif lexeme:
                    return None  # the parser made more of it: leave it to each language
        alternatives_by_word: list[set[tuple[str, bool]]] = []
        for word in words_:
            alternatives = set()
            for language, found in request.terms.items():
                term = next((t for t in found if t.word == word), None)
                if term is not None and (word, language) in stems:
                    alternatives.add((stems[(word, language)], term.prefix))
                elif request.match == "all":
                    alternatives = set()  # no condition in this language: none at all
                    break
            if alternatives:
                alternatives_by_word.append(alternatives)
        if not alternatives_by_word:
            return None

        def needed(lexeme: str, prefix: bool, others: set[tuple[str, bool]]) -> bool:
            return not any(
                other_prefix
                and lexeme.startswith(other)
                and (other, other_prefix) != (lexeme, prefix)
                for other, other_prefix in others
            )

        def text_of(alternatives: set[tuple[str, bool]]) -> str:
            kept = sorted(
                f"'{lexeme}':*" if prefix else f"'{lexeme}'"
                for lexeme, prefix in alternatives
                if needed(lexeme, prefix, alternatives)
            )
            return "( " + " | ".join(kept) + " )"

        if request.match == "any":
            return text_of(set().union(*alternatives_by_word))
        kept = _cheapest_conjunction(alternatives_by_word, request.groups, common_lexemes())
        return " & ".join(text_of(alternatives) for alternatives in kept)

    @staticmethod
    def _parsed_words(words_: list[str]) -> dict[tuple[str, str], str]:
        """Each word as every language's ``to_tsquery`` makes it, by (word, language).
        Kept for the process's life (``PARSED_WORDS_KEPT`` at most): a configuration parses
        a word the same way every time, and the next search spares the statement."""
        missing = [
            word
            for word in words_
            if any((word, language) not in _parsed_words for language in LANGUAGES)
        ]
        if missing:
            each = func.unnest(bindparam("words", missing, type_=ARRAY(Text))).column_valued("w")
            columns = [
                cast(func.to_tsquery(cast(name, REGCONFIG), each), Text)
                for name in LANGUAGES.values()
            ]
            if len(_parsed_words) > PARSED_WORDS_KEPT:
                _parsed_words.clear()
            for row in db.session.execute(select(each, *columns)):
                for language, parsed in zip(LANGUAGES, row[1:], strict=True):
                    _parsed_words[(row[0], language)] = parsed or ""
        return {
            (word, language): _parsed_words[(word, language)]
            for word in words_
            for language in LANGUAGES
        }

    def candidates(
        self, request: SearchRequest, newest: int, in_index: bool = True
    ) -> list[tuple[int, float]]:
        """The ``newest`` newest matches with their rank, newest first.

        ``in_index=False`` (with tags required): the index finds the tagged documents and
        each is tested for the words; cheaper than the index when a common word's prefix
        would make it gather hundreds of thousands of entries for a window of thousands.
        """
        words_query = self._lexemes_of_every_language(request) if in_index else None
        each_language = words_query is None and (in_index or not request.groups)
        statement = self._reused(
            self._shape("candidates", request, newest, each_language, words_query is None),
            lambda: self._candidates(request, newest, words_query, each_language),
        )
        rows = db.session.execute(statement, self._values(request, found=words_query)).all()
        return [(row[0], float(row[1])) for row in rows]

    def _candidates(
        self, request: SearchRequest, newest: int, words_query: str | None, each_language: bool
    ) -> Any:
        queries = self._queries(request)
        if each_language:
            # Each language's query in the index. Matching first, on its own: asked for
            # the newest rows, the planner may otherwise walk the doc_id index backwards
            # and test every document.
            d = self.table.c
            matched = (
                select(d.id, d.doc_id)
                .where(*self._where(request, queries))
                .cte("matched")
                .prefix_with("MATERIALIZED")
            )
            newest_rows = (
                select(matched.c.id)
                .order_by(matched.c.doc_id.desc())
                .limit(newest)
                .subquery("newest")
            )
            statement = (
                select(d.doc_id, self._rank(d.tsv, d.language, queries))
                .join(newest_rows, newest_rows.c.id == d.id)
                .order_by(d.doc_id.desc())
            )
        else:
            found = self._indexed(request, words_query)
            newest_rows = (
                select(found)
                .where(self._words_match(found, queries))
                .order_by(found.c.doc_id.desc())
                .limit(newest)
                .subquery("newest")
            )
            statement = select(
                newest_rows.c.doc_id,
                self._rank(newest_rows.c.tsv, newest_rows.c.language, queries),
            ).order_by(newest_rows.c.doc_id.desc())
        return statement

    def probe(self, request: SearchRequest) -> tuple[int | None, list[tuple[int, float]]]:
        """How many documents carry the tags (None when none matches), and the matches
        among them, newest first."""
        statement = self._reused(self._shape("probe", request), lambda: self._probe(request))
        rows = db.session.execute(statement, self._values(request)).all()
        return (rows[0][2] if rows else None), [(row[0], float(row[1])) for row in rows]

    def _probe(self, request: SearchRequest) -> Any:
        queries = self._queries(request)
        tagged = self._indexed(request, None)
        rank = case(
            (
                self._words_match(tagged, queries),
                self._rank(tagged.c.tsv, tagged.c.language, queries),
            ),
            else_=None,
        )
        tested = select(
            tagged.c.doc_id, rank.label("rank"), func.count().over().label("tested")
        ).subquery("tested")
        # Only the matches come back (with the number tested): a window holds thousands.
        return (
            select(tested.c.doc_id, tested.c.rank, tested.c.tested)
            .where(tested.c.rank.is_not(None))
            .order_by(tested.c.doc_id.desc())
        )

    def snippets(self, request: SearchRequest, doc_ids: list[int]) -> dict[int, Markup]:
        if not doc_ids:
            return {}
        statement = self._reused(self._shape("snippets", request), lambda: self._snippets(request))
        rows = db.session.execute(statement, self._values(request, doc_ids=doc_ids)).all()
        return {row[0]: marked_snippet(row[1]) for row in rows}

    def _snippets(self, request: SearchRequest) -> Any:
        queries = self._queries(request)
        doc_ids = bindparam("doc_ids", expanding=True)
        page = (
            select(self.table)
            .where(self.table.c.kind == request.kind, self.table.c.doc_id.in_(doc_ids))
            .subquery("page")
        )
        return select(page.c.doc_id, self._headline(page, request, queries))


class SqliteEngine:
    @staticmethod
    def bounded(terms: list[QueryTerm]) -> list[QueryTerm]:
        return terms  # the embedded database: an index of one region, not a nation

    fts = table(
        FTS_TABLE,
        column("rowid"),
        column("title"),
        column("summary"),
        column("body"),
        column("tags"),
    )

    def index(self, document: Document) -> None:
        values = _document_values(document)
        statement = sqlite_insert(documents).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "doc_id"],
            set_={
                name: statement.excluded[name] for name in values if name not in ("kind", "doc_id")
            },
        ).returning(documents.c.id)
        row_id = db.session.execute(statement).scalar_one()
        # A row left behind by a bulk DELETE of search_documents may hold this rowid.
        db.session.execute(delete(self.fts).where(self.fts.c.rowid == row_id))
        db.session.execute(self.fts.insert().values(**self._fts_values(document, row_id)))

    @staticmethod
    def _fts_values(document: Document, row_id: int) -> dict[str, Any]:
        language = document.language
        return {
            "rowid": row_id,
            "title": index_terms(_indexed_title(document), language),
            "summary": index_terms(document.summary, language),
            "body": index_terms(document.body, language),
            # FTS5 keeps a private-use character inside a token: each tag is one term,
            # which no text can produce, in a column bm25 weighs 0.
            "tags": " ".join(document.lexemes()),
        }

    def index_many(self, documents_: list[Document]) -> None:
        latest = {(document.kind, document.doc_id): document for document in documents_}
        for document in latest.values():
            self.index(document)

    def remove(self, kind: str, doc_id: int) -> None:
        row_id = db.session.scalar(
            select(documents.c.id).where(documents.c.kind == kind, documents.c.doc_id == doc_id)
        )
        if row_id is None:
            return
        db.session.execute(delete(self.fts).where(self.fts.c.rowid == row_id))
        db.session.execute(delete(documents).where(documents.c.id == row_id))

    @staticmethod
    def _match_text(terms: list[QueryTerm], match: Match, groups: list[list[str]]) -> str:
        operator = " AND " if match == "all" else " OR "
        words_ = operator.join(f'"{t.stem}"*' if t.prefix else f'"{t.stem}"' for t in terms)
        if not groups:
            return words_
        required = " AND ".join(
            "(" + " OR ".join(f'"{lexeme}"' for lexeme in group) + ")" for group in groups
        )
        return f"({words_}) AND {required}"

    def _matching(
        self, request: SearchRequest, language: str, found: list[QueryTerm]
    ) -> Select[Any]:
        """The documents in ``language`` that match, with their rank (higher is better)."""
        # The full-text match runs first, on its own: joined directly, SQLite's planner may
        # walk search_documents by its index and run the match once per row instead,
        # a hundred times slower at 10,000 documents.
        matched = (
            select(
                self.fts.c.rowid.label("row_id"),
                # bm25 is lower for better matches; negated, higher is better as on PostgreSQL.
                (-func.bm25(literal_column(FTS_TABLE), *BM25_WEIGHTS)).label("rank"),
            )
            .where(
                text(f"{FTS_TABLE} MATCH :q_{language}").bindparams(
                    bindparam(
                        f"q_{language}", self._match_text(found, request.match, request.groups)
                    )
                )
            )
            .cte(f"matched_{language}")
            .prefix_with("MATERIALIZED")
        )
        where = _restricted(
            [documents.c.kind == request.kind, documents.c.language == language],
            documents.c.doc_id,
            request.restrict_to,
        )
        return (
            select(documents.c.doc_id, documents.c.id.label("row_id"), matched.c.rank)
            .select_from(matched.join(documents, documents.c.id == matched.c.row_id))
            .where(*where)
        )

    def _combined(self, request: SearchRequest) -> Any:
        parts = [
            self._matching(request, language, found) for language, found in request.terms.items()
        ]
        return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("matched")

    def query(
        self, request: SearchRequest, limit: int, offset: int, count: bool, snippets: bool
    ) -> SearchResults:
        combined = self._combined(request)
        rows = db.session.execute(
            select(combined.c.doc_id, combined.c.row_id, combined.c.rank)
            .order_by(combined.c.rank.desc(), combined.c.doc_id)
            .limit(limit)
            .offset(offset)
        ).all()
        cut = self._snippets(request, [row.row_id for row in rows]) if snippets else {}
        hits = [Hit(row.doc_id, float(row.rank), cut.get(row.row_id, Markup(""))) for row in rows]
        total = None
        if count:
            total = int(db.session.scalar(select(func.count()).select_from(combined)) or 0)
        return SearchResults(hits=hits, total=total)

    def candidates(
        self, request: SearchRequest, newest: int, in_index: bool = True
    ) -> list[tuple[int, float]]:
        """The ``newest`` newest matches with their rank, newest first (FTS5 always
        matches the words in its index: ``in_index`` is PostgreSQL's choice)."""
        combined = self._combined(request)
        rows = db.session.execute(
            select(combined.c.doc_id, combined.c.rank)
            .order_by(combined.c.doc_id.desc())
            .limit(newest)
        ).all()
        return [(row.doc_id, float(row.rank)) for row in rows]

    def probe(self, request: SearchRequest) -> tuple[int | None, list[tuple[int, float]]]:
        """The matches among the tagged documents, newest first; their number unknown."""
        return None, self.candidates(request, SCAN_LIMIT)

    def snippets(self, request: SearchRequest, doc_ids: list[int]) -> dict[int, Markup]:
        if not doc_ids:
            return {}
        row_ids = dict(
            db.session.execute(
                select(documents.c.id, documents.c.doc_id).where(
                    documents.c.kind == request.kind, documents.c.doc_id.in_(doc_ids)
                )
            ).all()
        )
        return {
            row_ids[row_id]: snippet
            for row_id, snippet in self._snippets(request, list(row_ids)).items()
        }

    def _snippets(self, request: SearchRequest, row_ids: list[int]) -> dict[int, Markup]:
        """Snippets by search_documents.id, cut in Python from the stored plain text."""
        if not row_ids:
            return {}
        d = documents.c
        snippets: dict[int, Markup] = {}
        for row in db.session.execute(
            select(d.id, d.language, *(d[name] for name in request.snippet_fields)).where(
                d.id.in_(row_ids)
            )
        ):
            fields = [row._mapping[name] for name in request.snippet_fields]
            snippets[row.id] = python_snippet(
                "\n".join(fields), request.terms.get(row.language, []), row.language
            )
        return snippets


# --- Snippets -----------------------------------------------------------------------------


_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_STRAY_MARKERS = re.compile(f"[{MARK_START}{MARK_END}]")


def marked_snippet(marked: str) -> Markup:
    """Escape an engine's snippet and turn its markers into <mark> elements (a marker
    without its pair is dropped). The markers are no HTML: escaping leaves them."""
    escaped = str(escape(marked or ""))
    html = _MARKED.sub(lambda found: f"<mark>{found[1]}</mark>" if found[1] else "", escaped)
    return Markup(_STRAY_MARKERS.sub("", html).strip())  # noqa: S704 (escaped above)


def python_snippet(
    text_: str, terms: list[QueryTerm], language: str, size: int = SNIPPET_WORDS
) -> Markup:
    """The window of ``size`` words with the most matching words, matches marked."""
    # Split with the word pattern captured: the words are at the odd positions.
    tokens = re.split(r"([^\W_]+)", " ".join(text_[:20_000].split()))
    word_count = len(tokens) // 2
    if not word_count:
        return Markup("")
    exact = {term.stem for term in terms if not term.prefix}
    prefixes = tuple(term.stem for term in terms if term.prefix)
    heads = {term.stem[:3] for term in terms}
    stops = stop_words(language)

    def matches(word: str) -> bool:
        lower = word.lower()
        if lower in stops or lower[:3] not in heads:
            return False
        stemmed = stem(lower, language)
        return stemmed in exact or stemmed.startswith(prefixes)

    hits = [matches(tokens[2 * n + 1]) for n in range(word_count)]
    best_start, best_count, current = 0, 0, 0
    for n, hit in enumerate(hits):
        current += hit - (hits[n - size] if n >= size else 0)
        if current > best_count:
            best_start, best_count = max(0, n - size + 1), current
    first, last = best_start, min(word_count, best_start + size) - 1
    html: list[Markup | str] = ["… "] if first > 0 else []
    for n in range(first, last + 1):
        word = tokens[2 * n + 1]
        html.append(Markup("<mark>{}</mark>").format(word) if hits[n] else word)
        if n < last:
            html.append(tokens[2 * n + 2])
    if last < word_count - 1:
        html.append(" …")
    return Markup("").join(html)
