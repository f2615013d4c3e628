"""Text as the search indexes and compares it: lower case, without accents or Arabic diacritics,
and each Arabic word also without what is written joined to its front."""

from __future__ import annotations

import re
import unicodedata

TATWEEL = "\u0640"
# Letters Arabic writers use for one another: alef maqsura / ya, ta marbuta / ha, alef wasla / alef.
ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا"})
WORD = re.compile(r"[^\W_]+")  # letters and digits (an underscore separates words)
ARABIC_WORD = re.compile(r"[\u0621-\u064a]+")  # letters of the Arabic alphabet only, as folded
# The article, alone or after "with", "as", "so", and "for the" (Larkey's light stemming,
# "light10"); what is left must keep two letters.
ARABIC_ARTICLES = ("بال", "كال", "فال", "لل", "ال")
ARABIC_AND = "و"  # "and", dropped from a word of four letters or more


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


def arabic_stem(word: str) -> str:
    """A folded Arabic word without the "and" and the article written joined to its front:
    "المتحف", "والمتحف", "بالمتحف" and "للمتحف" are all "متحف" (museum). Other words are
    returned as they are.

    Only prefixes are dropped: a search word is also the start of a longer one ("متح" finds
    "متحف"), which suffixes dropped would not keep. A word that merely begins with these letters
    ("وزارة", ministry) gives a stem no one types ("زارة"); a search looks for both.
    """
    if not ARABIC_WORD.fullmatch(word):
        return word
    if word.startswith(ARABIC_AND) and len(word) >= 4:
        word = word[len(ARABIC_AND) :]
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    return word


def word_and_stem(word: str) -> tuple[str, ...]:
    """`word`, and its Arabic stem when that is another."""
    stem = arabic_stem(word)
    return (word,) if stem == word else (word, stem)


def indexed(*texts: str | None) -> str:
    """Texts as one line of folded words separated by spaces (what both databases index), each
    Arabic word followed by its stem: a search for "متحف" finds "المتحف"."""
    return " ".join(form for text in texts for word in words(text) for form in word_and_stem(word))
