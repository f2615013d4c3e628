"""The title as the list sorts it, indexed

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 21:00:00

The list sorted by title compared the titles as written, code point by code point, on both
databases (PostgreSQL's collation here is C.UTF-8): "Zeugma" came before "aksum", and "Étude"
after "Zoo". It now sorts by `title_key`, the title's folded words (lower case, without accents
or punctuation; expertise_app/folding.py, `sort_key`), which the write path keeps, indexed with the
id so that a page of the sorted list is read from the index. Here the requests already filed get
their key by the rule as it is at this revision, written out below.
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

WORD = re.compile(r"[^\W_]+")
ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا"})
BATCH = 1000
REQUESTS = sa.table(
    "expertise_requests", sa.column("id", sa.Integer), sa.column("title", sa.String), sa.column("title_key", sa.Text)
)


def _sort_key(title: str) -> str:
    decomposed = unicodedata.normalize("NFKD", title.replace("\u0640", ""))
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(WORD.findall(bare.casefold().translate(ARABIC_LETTERS)))


def upgrade():
    op.add_column("expertise_requests", sa.Column("title_key", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    keys = [
        {"row_id": row.id, "key": _sort_key(row.title or "")}
        for row in connection.execute(sa.select(REQUESTS.c.id, REQUESTS.c.title))
    ]
    update = REQUESTS.update().where(REQUESTS.c.id == sa.bindparam("row_id")).values(title_key=sa.bindparam("key"))
    for start in range(0, len(keys), BATCH):
        connection.execute(update, keys[start : start + BATCH])
    op.create_index("ix_expertise_requests_title_key", "expertise_requests", ["title_key", "id"])


def downgrade():
    op.drop_index("ix_expertise_requests_title_key", table_name="expertise_requests")
    op.drop_column("expertise_requests", "title_key")  # not in a batch: on SQLite it would drop the search's triggers
