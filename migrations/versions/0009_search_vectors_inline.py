"""search index: tsvectors stay in their rows (PostgreSQL storage MAIN)

A case's tsvector is 1 to 2 kB. With the default storage (EXTENDED), a row over about
2 kB had its tsvector moved out to the TOAST table, uncompressed (tsvectors hardly
compress), so every test of it (matching, ranking) fetched it back: four more buffers a
row, about 6 µs each time. At 1,000,000 cases a search for two words that ranks 2,826
matching cases read 18,477 buffers and took 54 ms; with the tsvectors in their rows, 3,046
buffers and 38 ms. Storage MAIN keeps the tsvector in the row unless the row would not
fit in a page; the texts (title, summary, body), needed only for a page's snippets, are
the ones moved out instead.

- PostgreSQL: ALTER COLUMN ... SET STORAGE MAIN, which is instant and applies to rows
  written from now on. Rows already written keep their storage until they are written
  again: `flask --app advice reindex-cases` rewrites every case's document, or, during
  maintenance, `VACUUM FULL search_documents` rewrites the table (52 s at 1,000,000
  cases, holding an exclusive lock).
- SQLite: nothing to change (its index is the FTS5 table).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 01:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE MAIN")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE EXTENDED")
