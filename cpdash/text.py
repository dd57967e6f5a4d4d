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


#: Marks that make a letter of the Vietnamese alphabet of their own, after the bare one: breve and
#: circumflex (a, ă, â; e, ê; o, ô) and horn (o, ô, ơ; u, ư).
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}
#: Đ, the letter after d.
_D_STROKE = 4
#: The tones, compared only between names whose letters are the same: none, grave, hook above,
#: tilde, acute, dot below (the dictionaries' order).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_key(text: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...]]:
    """A sort key that puts names in the order of the Vietnamese alphabet (a ă â b c d đ e ê g
    h i k l m n o ô ơ p q r s t u ư v x y), tones compared after the letters, case ignored:
    "Cầu Giấy" before "Chương Mỹ", "Hà Đông" before "Hoàng Mai", "Dệt may" before "Điện tử".
    Comparing code points (as the databases do) puts every accented letter after z."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in _LETTER_MARKS and letters:
            letters[-1] = (letters[-1][0], _LETTER_MARKS[ch])
        elif ch in _TONES and tones:
            tones[-1] = _TONES[ch]
        else:
            letters.append(("d", _D_STROKE) if ch == "đ" else (ch, 0))
            tones.append(0)
    return tuple(letters), tuple(tones)
