"""Text as the search indexes and compares it: lower case, without accents or Arabic diacritics."""

from __future__ import annotations

import re
import unicodedata

TATWEEL = "\u0640"
# Letters Arabic writers use for one another: alef maqsura / ya, ta marbuta / ha, alef wasla / alef.
ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا"})
WORD = re.compile(r"[^\W_]+")  # letters and digits (an underscore separates words)


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


def indexed(*texts: str | None) -> str:
    """Texts as one line of folded words separated by spaces (what both databases index)."""
    return " ".join(word for text in texts for word in words(text))
