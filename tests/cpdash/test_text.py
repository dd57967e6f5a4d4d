import unicodedata

import pytest

from cpdash.text import fold, vietnamese_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bát Tràng", "bat trang"),
        ("  BÁT   TRÀNG ", "bat trang"),
        ("Đông Anh", "dong anh"),
        ("Ứng Hòa", "ung hoa"),
        ("Hoà", "hoa"),  # old-style tone placement folds the same
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Cầu Giấy", "Chương Mỹ"),  # a before h, whatever the marks
        ("Phường Hà Đông", "Phường Hoàng Mai"),
        ("Dệt may", "Điện tử"),  # đ is the letter after d
        ("Điện tử", "Gốm sứ"),
        ("Ba Đình", "Bắc Từ Liêm"),  # a, then ă
        ("Bắc Từ Liêm", "Bâu"),  # ă, then â
        ("Cơ khí", "Cu"),  # o, ô, ơ all before u
        ("ma", "mà"),  # the tone only when the letters are the same
        ("mà", "má"),
        ("Nam Từ Liêm", "nam từ liêm x"),
    ],
)
def test_vietnamese_order(before, after):
    assert vietnamese_key(before) < vietnamese_key(after)
    assert sorted([after, before], key=vietnamese_key) == [before, after]


def test_vietnamese_order_ignores_case_and_composition():
    assert vietnamese_key("Đông Anh") == vietnamese_key("đông anh")
    assert vietnamese_key("Hà Đông") == vietnamese_key(unicodedata.normalize("NFD", "Hà Đông"))
