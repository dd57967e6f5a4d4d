"""The Vietnamese catalogue: complete, compiled, and used.

The .po is read with a small parser (polib is not a dependency); the .mo is read
with the standard library's gettext, so no gettext tools are needed."""

import ast
import gettext as stdlib_gettext
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from facilities.models import Facility
from programmes.models import Survey

LC_MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')
_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}")


def parse_po(path: Path) -> list[dict]:
    """Entries as dicts of keyword → text, plus "flags"; comments and obsolete (#~) entries are skipped."""
    entries, entry, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            key = match[1]
            entry[key] = ast.literal_eval(match[2])
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        else:
            raise AssertionError(f"cannot parse {path.name}: {line!r}")
    return entries


def _translations(entry: dict) -> list[str]:
    return [text for key, text in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return parse_po(PO)


def test_header_declares_vietnamese_with_one_plural_form(entries):
    header = next(e for e in entries if e["msgid"] == "")["msgstr"]
    assert "Language: vi\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    messages = [e for e in entries if e["msgid"]]
    assert len(messages) > 100
    untranslated = [e["msgid"] for e in messages if not all(_translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", ())]
    assert untranslated == []
    assert fuzzy == []
    # One plural form only: a msgstr[1] would be dead text.
    assert [e["msgid"] for e in messages if "msgstr[1]" in e] == []


def test_delete_is_spelt_one_way(entries):
    """The spelling "xóa" (the mark on the o), as the Delete buttons say, never "xoá" beside it on one page."""
    other = [e["msgid"] for e in entries if e["msgid"] and any("xoá" in t.lower() for t in _translations(e))]
    assert other == []


def test_a_generated_field_s_name_is_translated():
    """The admin names a GeneratedField by its own verbose name, not its output field's."""
    from facilities.models import AdministrativeUnit

    with translation.override("vi"):
        assert str(AdministrativeUnit._meta.get_field("level").verbose_name) == "cấp"


def test_translations_keep_the_placeholders(entries):
    def placeholders(text: str, formatted: bool) -> set[str]:
        found = set(_PLACEHOLDER.findall(text))
        return found if formatted else {p for p in found if p.startswith("{")}

    wrong = []
    for e in entries:
        if not e["msgid"]:
            continue
        formatted = "python-format" in e.get("flags", ())
        # Vietnamese has one form, used for every count: it follows the English plural.
        source = e.get("msgid_plural", e["msgid"])
        if any(placeholders(text, formatted) != placeholders(source, formatted) for text in _translations(e)):
            wrong.append(e["msgid"])
    assert wrong == []


def test_compiled_catalogue_matches_the_po(entries):
    """The .mo is rebuilt after the last change to the .po (compilemessages)."""
    with MO.open("rb") as fh:
        mo = stdlib_gettext.GNUTranslations(fh)
    stale = []
    for e in entries:
        if not e["msgid"]:
            continue
        context = e.get("msgctxt")
        if "msgid_plural" in e:
            got = (
                mo.npgettext(context, e["msgid"], e["msgid_plural"], 1)
                if context
                else mo.ngettext(e["msgid"], e["msgid_plural"], 1)
            )
            want = e["msgstr[0]"]
        else:
            got = mo.pgettext(context, e["msgid"]) if context else mo.gettext(e["msgid"])
            want = e["msgstr"]
        if got != want:
            stale.append(e["msgid"])
    assert stale == [], "locale/vi is out of date: run manage.py compilemessages"


def test_django_uses_the_vietnamese_catalogue():
    with translation.override("vi"):
        assert gettext("facility") == "cơ sở"
        assert gettext("on track") == "đúng tiến độ"
        assert str(Facility._meta.verbose_name) == "cơ sở"
        assert str(Survey._meta.verbose_name) == "khảo sát SXSH"
    with translation.override("en"):
        assert str(Facility._meta.verbose_name) == "facility"


#: A template's {% translate "…" %} of a plain string, with its context if any.
_TRANSLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.+?)(?P=q)(?:\s+context\s+(?P<cq>["'])(?P<context>.+?)(?P=cq))?"""
)


def test_every_templates_translate_tag_has_its_entry(entries):
    """A message the templates ask for is in the catalogue (a msgid changed in one template but
    shared with another left the other in English)."""
    known = {(entry.get("msgctxt"), entry["msgid"]) for entry in entries}
    root = PO.parents[3]
    missing = []
    for template in sorted((root / "templates").rglob("*.html")) + sorted((root / "templates").rglob("*.txt")):
        for match in _TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8")):
            # makemessages doubles a "%" of a translate tag's string in its msgid (Django's templatize).
            key = (match["context"], match["msgid"].replace("%", "%%"))
            if key not in known:
                missing.append(f"{template.relative_to(root)}: {key}")
    assert missing == []
