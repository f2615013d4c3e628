"""Each Arabic word of the search text followed by its stem

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 20:30:00

A search for "متحف" (museum) did not find "المتحف" (the museum), nor "بالمتحف" or "للمتحف": Arabic
writes the article and some prepositions joined to the noun. The app now indexes each Arabic word
followed by its stem (expertise_app/folding.py, `indexed`), and a search looks for a word and its
stem. Here the requests already filed get their stems, from their search text alone (already
folded), by the rule as it is at this revision, written out below so that a later change of the
app's rule cannot change what this migration does. On SQLite the update triggers of the FTS5 table
index the new text; on PostgreSQL the generated search vector follows the column.

The downgrade leaves the stems where they are: the app before this revision, which did not look
for them, then also finds a request by the stem of one of its words, and loses nothing.
"""

import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

ARABIC_WORD = re.compile(r"[\u0621-\u064a]+")
ARABIC_ARTICLES = ("بال", "كال", "فال", "لل", "ال")
BATCH = 1000
REQUESTS = sa.table("expertise_requests", sa.column("id", sa.Integer), sa.column("search_text", sa.Text))


def _stem(word: str) -> str:
    if not ARABIC_WORD.fullmatch(word):
        return word
    if word.startswith("و") and len(word) >= 4:
        word = word[1:]
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    return word


def _with_stems(text: str) -> str:
    """`text` with each Arabic word's stem after it, unless it is there already (a text indexed by
    migration 0008, which calls the app's own rule)."""
    words = text.split()
    forms = []
    for index, word in enumerate(words):
        forms.append(word)
        stem = _stem(word)
        if stem != word and words[index + 1 : index + 2] != [stem]:
            forms.append(stem)
    return " ".join(forms)


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(REQUESTS.c.id, REQUESTS.c.search_text)).all()
    changed = [
        {"row_id": row.id, "text": stemmed}
        for row in rows
        if ARABIC_WORD.search(row.search_text or "") and (stemmed := _with_stems(row.search_text)) != row.search_text
    ]
    update = REQUESTS.update().where(REQUESTS.c.id == sa.bindparam("row_id")).values(search_text=sa.bindparam("text"))
    for start in range(0, len(changed), BATCH):
        connection.execute(update, changed[start : start + BATCH])


def downgrade():
    pass
