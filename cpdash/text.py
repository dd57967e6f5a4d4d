"""Text helpers with no database: folding Vietnamese for search and matching."""

import unicodedata

#: The combining marks of the Vietnamese letters once decomposed (NFD): breve, circumflex,
#: horn and the five tones.
_VIETNAMESE_MARKS = ("\u0300", "\u0301", "\u0302", "\u0303", "\u0306", "\u0309", "\u031b", "\u0323")


def fold(text: str | None) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics, for matching.

    ``fold("Bát Tràng")`` and ``fold("bat  trang")`` are both ``"bat trang"``.
    Đ/đ (a letter of its own, not a d with a mark) folds to d. None gives "".
    Every combining mark goes, not only Vietnamese ones; runs of whitespace become one space.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    if not decomposed.isascii():
        # Vietnamese text (most names) decomposes to ASCII and its marks: when the marks are all
        # the non-ASCII characters, dropping the non-ASCII ones drops exactly the combining ones.
        plain = decomposed.encode("ascii", "ignore")
        if len(decomposed) - len(plain) == sum(map(decomposed.count, _VIETNAMESE_MARKS)):
            decomposed = plain.decode("ascii")
        else:  # other letters, dashes, quotes…: each character tested
            decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # str.split() splits on what the regular expression \s matches (unicode whitespace).
    return " ".join(decomposed.split()).lower()


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only. ``str.isdigit`` also accepts "²" or
    "٣", which ``int()`` then refuses or reads unexpectedly."""
    return text.isascii() and text.isdigit()
