"""Text helpers with no database: folding Vietnamese for search and matching."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics, for matching.

    ``fold("Bát Tràng")`` and ``fold("bat  trang")`` are both ``"bat trang"``.
    Đ/đ (a letter of its own, not a d with a mark) folds to d. None gives "".
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped).strip().lower()


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only. ``str.isdigit`` also accepts "²" or
    "٣", which ``int()`` then refuses or reads unexpectedly."""
    return text.isascii() and text.isdigit()
