"""Full-text search over requests, insensitive to case and accents, in French, English and Arabic.

Both databases index the same text, `ExpertiseRequest.search_text`, which the app writes
already folded (expertise_app/folding.py): lower case, no accents, no Arabic diacritics or tatweel, one
form of alef, words separated by single spaces. PostgreSQL keeps its `to_tsvector('simple', …)` in
the generated column `search_vector`, indexed with GIN (migration 0014); SQLite has the FTS5 table
`request_search`, which triggers keep in step with the column (migration 0008). So "musee" finds "Musée", and
"المتحف" finds "المَتْحَف", on either database, and a query word also matches the start of a
longer word ("patrim" finds "patrimoine").

A word of a field's name, in any of the app's languages, also finds the requests of that field:
"musee" finds a request on museums written in English ("Museums and collections" is "Musées et
collections" in French). The names are read from the catalogues, not stored with the requests, so a
corrected translation needs no re-indexing.

The column is written by the write path: `ExpertiseRequest` computes it whenever a
searched field changes (the mapper events in cases/models.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from ..extensions import db
from ..folding import words, words_and_stems
from ..reference import FIELDS
from ..translation import gettext as _
from .models import ExpertiseRequest

FTS_TABLE = "request_search"  # SQLite only
# FTS5 keeps a table's index in shadow tables next to it.
FTS_TABLES = frozenset({FTS_TABLE} | {f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config")})
# The search index of each database is made by migrations 0008 and 0014, not declared by the models.
SEARCH_INDEX = "ix_expertise_requests_search"  # PostgreSQL only
SEARCH_VECTOR = "search_vector"  # PostgreSQL only: the generated column the index is on
MAX_QUERY_WORDS = 8
# Similar requests compare the words of a request this long or longer (shorter ones are mostly grammar).
SIGNIFICANT_LENGTH = 4
MAX_SIMILARITY_WORDS = 16


def declared_by_models(object_, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """For Alembic's comparison of the models with a database: leave out the search index and vector."""
    return (
        not (type_ == "table" and name in FTS_TABLES)
        and not (type_ == "index" and name == SEARCH_INDEX)
        and not (type_ == "column" and name == SEARCH_VECTOR)
    )


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _fts_match(expression: str) -> sa.Select:
    """The ids of the requests whose indexed text matches an FTS5 expression (SQLite)."""
    table = sa.table(FTS_TABLE, sa.column("rowid"))
    # Unique: a search whose words name a field matches each of them apart, in one statement.
    expression_parameter = sa.bindparam("fts_query", expression, unique=True)
    return sa.select(table.c.rowid).where(sa.text(f"{FTS_TABLE} MATCH :fts_query").bindparams(expression_parameter))


# From this many matches, SQLite finds a list's first page faster along the index of its order.
SQLITE_COMMON_MATCHES = 1000


def _sqlite_matching(expression: str) -> sa.ColumnElement[bool]:
    """The requests matching an FTS5 expression, written for the plan that suits how many there are.

    SQLite takes the matches from FTS5 and sorts them all for a page: 90 ms for a word found in
    17,000 requests of 100,000. A word that common is found as fast by walking the list's order and
    keeping the matches (`+id` keeps SQLite from looking the ids up by key), while a rare word walked
    that way would read the whole table; a count of the matches up to the threshold (a few hundred
    µs) chooses between the two.
    """
    matches = _fts_match(expression)
    probe = sa.select(sa.func.count()).select_from(matches.limit(SQLITE_COMMON_MATCHES).subquery())
    if db.session.scalar(probe) < SQLITE_COMMON_MATCHES:
        return ExpertiseRequest.id.in_(matches)
    return sa.literal_column(f"+{ExpertiseRequest.__tablename__}.id").in_(matches)


def _tsvector() -> sa.ColumnElement:
    return sa.literal_column(f"{ExpertiseRequest.__tablename__}.{SEARCH_VECTOR}")


@dataclass(frozen=True)
class FieldNames:
    """The fields' names in every language of the app, as a search reads them."""

    words: dict[str, frozenset[str]]  # code: the words of its names a search word may start (`_name_words`)
    whole: dict[tuple[str, ...], str]  # every word of one name, in order: its code


_field_names: dict[tuple[str, ...], FieldNames] = {}


def _name_words(name: str) -> set[str]:
    """The words of a field's name a search word may start: the significant ones (SIGNIFICANT_LENGTH
    letters or more: not "and", "et", "des"), and an Arabic word also without its article, so that
    "متاحف" finds "المتاحف" (museums)."""
    return {form for forms in words_and_stems(name) for form in forms if len(form) >= SIGNIFICANT_LENGTH}


# The singular of the Arabic names' plurals that are not their singular with an ending ("broken"
# plurals, and the feminine plural, which drops the singular's ة): "متحف" finds the field
# "المتاحف والمجموعات" as "museum" finds "Museums and collections".
ARABIC_SINGULARS = {
    "MUS": ("متحف",),  # museum: المتاحف
    "HER": ("معلم",),  # monument: المعالم
    "BOO": ("مكتبة",),  # library: المكتبات
    "CCI": ("صناعة",),  # industry: الصناعات
    "GOV": ("سياسة",),  # policy: السياسات
}


def field_names() -> FieldNames:
    """The fields' names in every language of the app.

    Read once per process from the compiled catalogues, which the app also loads once: a corrected
    translation takes effect when the app restarts, with no request to index again."""
    languages = tuple(current_app.config["LANGUAGES"])
    if languages not in _field_names:
        found: dict[str, set[str]] = {code: set() for code in FIELDS.codes}
        whole: dict[tuple[str, ...], str] = {}
        for language in languages:
            with force_locale(language):
                for code in FIELDS.codes:
                    found[code] |= _name_words(FIELDS.label(code))
                    whole[tuple(words(FIELDS.label(code)))] = code
        for code, singulars in ARABIC_SINGULARS.items():
            found[code] |= _name_words(" ".join(singulars))
        _field_names[languages] = FieldNames({code: frozenset(named) for code, named in found.items()}, whole)
    return _field_names[languages]


def field_named(term: str) -> str | None:
    """The one field whose name, in some language, holds a word that starts with the word `term`
    (or its stem).

    A term that starts words of several fields' names names none: "culture" starts words of five
    ("Cultural tourism", "Digital culture"…), "arts" of three, "patrimoine" of two, and in a
    ministry of culture they say little of what a request is about. A term shorter than
    SIGNIFICANT_LENGTH names none either ("mus" is "museums" or "music", "des" is mostly grammar).
    """
    found = words_and_stems(term)
    return _field_named_by(found[0]) if found else None


def _field_named_by(forms: tuple[str, ...]) -> str | None:
    """`field_named` for a word of a search, folded, and its stem if it has one."""
    if len(forms[0]) < SIGNIFICANT_LENGTH:
        return None
    named = [code for code, names in field_names().words.items() if any(name.startswith(forms) for name in names)]
    return named[0] if len(named) == 1 else None


def _text_matching(forms: list[tuple[str, ...]]) -> sa.ColumnElement[bool]:
    """Requests whose indexed text holds every one of the words of a search (folded), each as a word
    or its start, or by its stem ("المتحف" finds "متحف", which the text of "بالمتحف" holds)."""
    if _is_sqlite():
        return _sqlite_matching(" AND ".join("(" + " OR ".join(f'"{form}"*' for form in each) + ")" for each in forms))
    either = ("(" + " | ".join(f"{form}:*" for form in each) + ")" for each in forms)
    tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), " & ".join(either))
    return _tsvector().op("@@")(tsquery)


def _distinct_words(query: str | None) -> list[tuple[str, ...]]:
    """The folded words of a search, each once and with its stem if it has one, in the order typed."""
    return list(dict.fromkeys(words_and_stems(query)))


def left_out_note(query: str | None) -> str | None:
    """What the list says of the words of `query` past the MAX_QUERY_WORDS it looks for: none is
    dropped unsaid."""
    left_out = [forms[0] for forms in _distinct_words(query)[MAX_QUERY_WORDS:]]
    if not left_out:
        return None
    return _(
        "Only the first %(num)d words are looked for; left out: %(words)s.",
        num=MAX_QUERY_WORDS,
        words=" ".join(left_out),
    )


def matching(query: str) -> sa.ColumnElement[bool]:
    """Requests holding every word of `query`, each as a word or the start of one, or naming
    the request's field (`field_named`); or, when `query` is a field's whole name, of that field.

    A query without any word (only punctuation, "%") finds nothing, rather than everything.
    """
    terms = _distinct_words(query)[:MAX_QUERY_WORDS]
    if not terms:
        return sa.false()
    named = {term: field for term in terms if (field := _field_named_by(term))}
    plain = [term for term in terms if term not in named]
    conditions = [_text_matching(plain)] if plain else []
    conditions += [sa.or_(_text_matching([term]), ExpertiseRequest.field == field) for term, field in named.items()]
    found = sa.and_(*conditions)
    # A field's whole name, as the list's Field column writes it, grammar words and all ("Museums
    # and collections": no request on museums need hold "and").
    called = field_names().whole.get(tuple(words(query)))
    return sa.or_(found, ExpertiseRequest.field == called) if called else found


def similarity_terms(case: ExpertiseRequest) -> list[str]:
    """The words that say what `case` is about: its title's, context's and objectives', longest first;
    an Arabic word by its stem, which the indexed text of every form of it holds."""
    found = dict.fromkeys(
        forms[-1]
        for field in ("title", "objectives", "context")
        for forms in words_and_stems(getattr(case, field))
        if len(forms[-1]) >= SIGNIFICANT_LENGTH and not forms[-1].isdigit()
    )
    return sorted(found, key=len, reverse=True)[:MAX_SIMILARITY_WORDS]


# How many of an array of terms (JSON on SQLite) a request's folded text holds as whole words: one
# statement whatever the number of terms, so that it is compiled and prepared once (a LIKE per term,
# written out, made a statement of its own for each count of terms and cost ~3 ms of Python to build).
# A term is found by position, padded with spaces, rather than by LIKE '% term %', and PostgreSQL
# reads the terms from an array rather than parsing JSON for each candidate: 1.1 against 1.9 ms
# for 48 candidates and 16 terms.
_CLOSENESS = {
    "sqlite": (
        "(SELECT count(*) FROM json_each(:similarity_terms) AS term "
        "WHERE instr(' ' || expertise_requests.search_text || ' ', ' ' || term.value || ' ') > 0)"
    ),
    "postgresql": (
        "(SELECT count(*) FROM unnest(CAST(:similarity_terms AS text[])) AS term(value) "
        "WHERE strpos(' ' || expertise_requests.search_text || ' ', ' ' || term.value || ' ') > 0)"
    ),
}


def closeness(terms: list[str]) -> sa.TextClause:
    """How many of `terms` a request's text holds as words (higher is closer), for ORDER BY.

    Meant for a few hundred candidates, not a whole table: each term looked for in the folded
    text, both padded with spaces so that a term matches whole words only. The outer query selects
    from `expertise_requests`. (On PostgreSQL, looking each term up in the stored `search_vector`
    was slower: 2.2 against 1.7 ms for 51 candidates and 8 terms, the vector being read whole for
    each.)
    """
    dialect = db.session.get_bind().dialect.name
    return sa.text(_CLOSENESS[dialect]).bindparams(
        similarity_terms=terms if dialect == "postgresql" else json.dumps(terms)
    )
