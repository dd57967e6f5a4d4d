import pytest

from cpdash.text import fold


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
