"""Text as the search indexes and compares it: lower case, without accents or Arabic diacritics,
and each Arabic word also without what is written joined to its front."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TATWEEL = "\u0640"
# Letters Arabic writers use for one another: alef maqsura / ya, ta marbuta / ha, alef wasla / alef.
ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا"})
WORD = re.compile(r"[^\W_]+")  # letters and digits (an underscore separates words)
# An alef that carries a hamza or a madda ("أ", "إ", "آ") is a letter of the word, never the article's
# alef: "الآن" (now) and "آلات" (instruments) have none. Folding drops the hamza, so while a text is
# folded for its stems such an alef is written as this letter, which folding keeps.
HAMZA_ALEF = re.compile("[أإآ]")
HAMZA_ALEF_MARK = "\u0672"
ARABIC_WORD = re.compile("[\u0621-\u064a\u0672]+")  # letters of the Arabic alphabet only, as folded
# The article, alone or after "with", "as", "so", and "for the" (Larkey's light stemming, "light10").
ARABIC_ARTICLES = ("بال", "كال", "فال", "لل", "ال")
ARABIC_AND = "و"  # "and"
# A stem is searched as the start of words: one of two letters would find a good part of any text.
STEM_LENGTH = 3
AND_LENGTH = 5  # "and" is dropped from a word this long: of four letters, و is as often the word's own ("والد")


def fold(text: str) -> str:
    """`text` lower case, without accents, Arabic short vowels, hamza seats or tatweel.

    NFKD splits "é" into "e" + an accent and "أ" into "ا" + a hamza; the marks (category Mn,
    which also holds the Arabic short vowels) are dropped.
    """
    decomposed = unicodedata.normalize("NFKD", text.replace(TATWEEL, ""))
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return bare.casefold().translate(ARABIC_LETTERS)


def words(text: str | None) -> list[str]:
    """The folded words of `text`, in order."""
    return WORD.findall(fold(text or ""))


def sort_key(text: str | None) -> str:
    """`text` as a list sorts it: its folded words, without the punctuation around them, so that
    "Étude", "étude" and "« Étude »" sort together, between "Esquisse" and "Fouilles"."""
    return " ".join(words(text))


@lru_cache(maxsize=8192)
def list_order(text: str) -> tuple[str, str]:
    """Where `text` stands in a list as a reader looks it up (`sort_key`, then the text itself to
    part equals). Kept: a picker of six hundred experts sorts on every page that shows one, and
    folding their names anew took 2.5 ms."""
    return sort_key(text), text


def words_and_stems(text: str | None) -> list[tuple[str, ...]]:
    """Each folded word of `text`, in order, followed by its Arabic stem when that is another word:
    "والمتحف" is ("والمتحف", "متحف")."""
    composed = unicodedata.normalize("NFC", (text or "").replace(TATWEEL, ""))
    found = []
    for marked in WORD.findall(fold(HAMZA_ALEF.sub(HAMZA_ALEF_MARK, composed))):
        word, stem = (form.replace(HAMZA_ALEF_MARK, "ا") for form in (marked, _arabic_stem(marked)))
        found.append((word,) if stem == word else (word, stem))
    return found


def _arabic_stem(word: str) -> str:
    """A folded Arabic word without the "and" and the article written joined to its front:
    "المتحف", "والمتحف", "بالمتحف" and "للمتحف" are all "متحف" (museum). Other words are
    returned as they are.

    Only prefixes are dropped: a search word is also the start of a longer one ("متح" finds
    "متحف"), which suffixes dropped would not keep. A stem is at least STEM_LENGTH letters; a word
    that merely begins with these letters ("وزارة", ministry) may give a stem no one types
    ("زارة"); a search looks for the word and its stem both.
    """
    if not ARABIC_WORD.fullmatch(word):
        return word
    if word.startswith(ARABIC_AND) and len(word) >= AND_LENGTH:
        word = word[len(ARABIC_AND) :]
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= STEM_LENGTH:
            return word[len(article) :]
    return word


def indexed(*texts: str | None) -> str:
    """Texts as one line of folded words separated by spaces (what both databases index), each
    Arabic word followed by its stem: a search for "متحف" finds "المتحف"."""
    return " ".join(form for text in texts for forms in words_and_stems(text) for form in forms)
