"""Each Arabic word of the search text followed by its stem

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 20:30:00

A search for "متحف" (museum) did not find "المتحف" (the museum), nor "بالمتحف" or "للمتحف": Arabic
writes the article and some prepositions joined to the noun. The app now indexes each Arabic word
followed by its stem (expertise_app/folding.py, `indexed`), and a search looks for a word and its
stem. Here the requests already filed that hold Arabic are indexed again from their reference,
title, context and objectives (the search text alone has lost the hamza that tells "الآن", now,
from an article), by the rules as they are at this revision, written out below so that a later
change of the app's rules cannot change what this migration does. On SQLite the update triggers of
the FTS5 table index the new text; on PostgreSQL the generated search vector follows the column.

The downgrade leaves the stems where they are: the app before this revision, which did not look
for them, then also finds a request by the stem of one of its words, and loses nothing.
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

ARABIC = re.compile("[\u0600-\u06ff]")
WORD = re.compile(r"[^\W_]+")
ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا"})
HAMZA_ALEF, HAMZA_ALEF_MARK = re.compile("[أإآ]"), "\u0672"
ARABIC_WORD = re.compile("[\u0621-\u064a\u0672]+")
ARABIC_ARTICLES = ("بال", "كال", "فال", "لل", "ال")
BATCH = 1000
REQUESTS = sa.table(
    "expertise_requests",
    sa.column("id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("title", sa.String),
    sa.column("context", sa.Text),
    sa.column("objectives", sa.Text),
    sa.column("search_text", sa.Text),
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return bare.casefold().translate(ARABIC_LETTERS)


def _stem(word: str) -> str:
    if not ARABIC_WORD.fullmatch(word):
        return word
    if word.startswith("و") and len(word) >= 5:
        word = word[1:]
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 3:
            return word[len(article) :]
    return word


def _indexed(*texts: str | None) -> str:
    forms = []
    for text in texts:
        composed = unicodedata.normalize("NFC", (text or "").replace("\u0640", ""))
        for marked in WORD.findall(_fold(HAMZA_ALEF.sub(HAMZA_ALEF_MARK, composed))):
            word, stem = (form.replace(HAMZA_ALEF_MARK, "ا") for form in (marked, _stem(marked)))
            forms += [word] if stem == word else [word, stem]
    return " ".join(forms)


def upgrade():
    connection = op.get_bind()
    columns = (REQUESTS.c.reference, REQUESTS.c.title, REQUESTS.c.context, REQUESTS.c.objectives)
    rows = connection.execute(sa.select(REQUESTS.c.id, REQUESTS.c.search_text, *columns)).all()
    changed = []
    for row in rows:
        texts = (row.reference, row.title, row.context, row.objectives)
        if any(ARABIC.search(text or "") for text in texts) and (indexed := _indexed(*texts)) != row.search_text:
            changed.append({"row_id": row.id, "text": indexed})
    update = REQUESTS.update().where(REQUESTS.c.id == sa.bindparam("row_id")).values(search_text=sa.bindparam("text"))
    for start in range(0, len(changed), BATCH):
        connection.execute(update, changed[start : start + BATCH])


def downgrade():
    pass
