"""knowledge base: search index, published revision and review comment

The search index of advice.knowledge.search: the search_documents table (in the ORM's
metadata) and each engine's own structure, created here with raw SQL and kept out of
autogenerate by advice.knowledge.search.include_name:

- PostgreSQL: search_documents.tsv (tsvector, written by the service in the same
  statement as the row: no trigger) and its GIN index;
- SQLite: the FTS5 table search_fts, rowid = search_documents.id, holding Snowball
  stems computed in Python.

And two columns of articles: published_revision (the revision a live article shows while
later changes wait for review) and review_comment (the reviewer's comment when an article
is sent back). On SQLite they are added with a plain ALTER TABLE: a batch "move and copy" of articles would
DROP the old table, and with foreign keys on, SQLite's implicit DELETE would cascade to
article_revisions, article_topics, article_votes and case_articles.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import advice.clock


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', advice.clock.UTCDateTime(), nullable=False),
    sa.CheckConstraint("language IN ('sv', 'en')", name=op.f('ck_search_documents_language_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'doc_id', name='uq_search_documents_kind_doc')
    )
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, summary, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
        op.execute("ALTER TABLE articles ADD COLUMN published_revision INTEGER")
        op.execute("ALTER TABLE articles ADD COLUMN review_comment TEXT")
    else:
        op.execute("ALTER TABLE search_documents ADD COLUMN tsv tsvector")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
        op.add_column('articles', sa.Column('published_revision', sa.Integer(), nullable=True))
        op.add_column('articles', sa.Column('review_comment', sa.Text(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE articles DROP COLUMN review_comment")
        op.execute("ALTER TABLE articles DROP COLUMN published_revision")
        op.execute("DROP TABLE search_fts")
    else:
        op.drop_column('articles', 'review_comment')
        op.drop_column('articles', 'published_revision')
    op.drop_table('search_documents')
