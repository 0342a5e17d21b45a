"""Folding text for search: French without accents, Arabic without vowel marks, any case."""
import re
import unicodedata

_ARABIC = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None, "’": "'", "ʼ": "'"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case; accents, hamza carriers and harakat removed (NFKD drops them as combining marks)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.translate(_ARABIC).casefold()).strip()


def query_words(query: str, limit: int = 8) -> list[str]:
    return [word for word in fold(query).split(" ") if word][:limit]
