"""case search: a tags column in SQLite's full-text table

Case search reuses the knowledge base's index (advice.knowledge.search) with one document
per case. Its documents carry tags (the office holding the case, the assignee, bands of
the case id) that queries require, so that access is checked inside the full-text index.

- PostgreSQL: nothing to change. Tags are lexemes of the tsvector that already has a GIN
  index.
- SQLite: the FTS5 table search_fts gets a fourth column, tags, which bm25 weighs 0, so a
  required tag never changes a document's rank. FTS5 cannot add a column: the table is
  built anew with the rows of the old one (no foreign key refers to it) and renamed.

The case documents themselves are written by the app: run `flask --app advice
reindex-cases` once after this upgrade to index the cases that already exist.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"


def _rebuild(columns: str, copied: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE search_fts_new USING fts5({columns}, {TOKENIZE})")
    op.execute(
        f"INSERT INTO search_fts_new (rowid, {columns}) SELECT rowid, {copied} FROM search_fts"
    )
    op.execute("DROP TABLE search_fts")
    op.execute("ALTER TABLE search_fts_new RENAME TO search_fts")


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild("title, summary, body, tags", "title, summary, body, ''")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild("title, summary, body", "title, summary, body")
