"""What every spreadsheet import shares: reading a CSV or XLSX file into rows,
reading one cell, matching names, and listing problems by spreadsheet row.

Used by the facility import (facilities/resources.py), the imports of past
programme records (programmes/resources.py) and of the reference tables
(facilities/reference_resources.py, programmes/reference_resources.py,
targets/resources.py), which share RecordResource, the import by natural key.
Every import runs through one driver, ImportEngine.import_data: the file in chunks,
each read, matched, kept and written by the resource's hooks. The facility import
streams chunks of rows; RecordResource (every import by natural key) makes the
whole file one chunk, since its records span rows (docs/import.md, "One engine").
Row numbers in messages are spreadsheet rows: the header is row 1, the first data row 2.
"""

import codecs
import contextlib
import contextvars
import csv
import datetime
import io
import itertools
import re
import sys
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter

import tablib
from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Model, TextChoices
from django.utils import formats, timezone, translation
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import forms as import_forms
from import_export import resources, widgets
from import_export.formats import base_formats
from import_export.results import Error, Result, RowResult
from openpyxl.utils import column_index_from_string

from cpdash import bulk
from cpdash.database import analyze_bulk, lock_imports_of, with_history
from cpdash.exports import unescape_formula
from cpdash.import_templates import TemplateColumn, example_value, template_workbook
from cpdash.models import MAX_COUNT, Searchable
from cpdash.numbers import whole_number_digits
from cpdash.text import fold, is_ascii_digits

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, then the Vietnamese day-first convention


class ImportFileError(ValueError):
    """The uploaded file cannot be read as a table; the message says how to fix it."""


# --- Reading the file -------------------------------------------------------


def file_row(number: int) -> int:
    """Spreadsheet row of import-export's data-row ``number`` (which counts from 1
    under the header, so the first data row is spreadsheet row 2)."""
    return number + 1


def cell_text(value: object) -> str:
    """A cell as stripped text; whole XLSX numbers lose their ".0" (12.0 → "12").

    Text our exports escaped against formulas ("'=SUM(1)", cpdash.exports.escape_formula)
    loses that one apostrophe: an exported file imports back to the same names."""
    if value.__class__ is str:  # most cells: text with no escaping apostrophe is only stripped
        text = value.strip()
        return text if text[:1] != "'" else unescape_formula(text).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unescape_formula(str(value).strip()).strip()


def normalize_header(value: object) -> str:
    """``" Opened on "`` → ``"opened_on"``: headers match case- and accent-insensitively."""
    return fold(cell_text(value)).replace(" ", "_").replace("-", "_")


#: Letters of the Vietnamese alphabet beyond ASCII, lower case.
VIETNAMESE_LETTERS = frozenset("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
#: Other non-ASCII characters a Windows-1258 spreadsheet commonly holds.
WINDOWS_1258_PUNCTUATION = frozenset("\u00a0“”‘’–—…•°€×")


def _windows_1258(data: bytes) -> str | None:
    """``data`` read as Windows-1258 (the Vietnamese Windows code page) when that
    gives plausible Vietnamese text, else None.

    Windows-1258 writes most accented letters as a base letter and a combining
    tone mark ("ố" is "ô" + U+0301), so the text is NFC-normalised. Plausible:
    every non-ASCII character is then a Vietnamese letter or common punctuation,
    so no C1 control (U+0080–U+009F) either. A cp1252 file with letters
    Vietnamese lacks (ü, ñ, ç…) fails this test and is refused; one whose only
    accents are shared with Vietnamese ("Café") decodes the same in both.
    """
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return None
    allowed = VIETNAMESE_LETTERS | WINDOWS_1258_PUNCTUATION
    if all(ch.isascii() or ch.lower() in allowed for ch in text):
        return text
    return None


def _decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with a BOM, or
    Windows-1258 when the bytes are not UTF-8 and read as Vietnamese in it.

    Other legacy 8-bit encodings (cp1252…) are refused rather than guessed: they
    decode any byte, so a wrong guess would import mojibake.
    """
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("This is an Excel workbook, not a CSV file: choose the xlsx format."))
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return _without_nul(data.decode("utf-16"))
        if b"\x00" in data:  # UTF-16 without a byte-order mark
            raise UnicodeDecodeError("utf-8", data, data.index(b"\x00"), len(data), "NUL byte")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = None if b"\x00" in data else _windows_1258(data)
        if text is not None:
            return text
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (first unreadable character on line %(line)d). "
                "In Excel use “Save As → CSV UTF-8 (Comma delimited)”, or save it as UTF-8 "
                "in your editor, then upload it again."
            )
            % {"line": line}
        ) from error


def _without_nul(text: str) -> str:
    """``text``, refused when it holds a NUL character: no real cell has one, and
    PostgreSQL cannot store it, so the file is damaged rather than data."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(
            _("The file holds a NUL character on line %(line)d: it looks damaged. Save it again and upload it.")
            % {"line": line}
        )
    return text


def _delimiter(first_line: str) -> str:
    """Comma, or semicolon/tab when the header uses those (Excel with a Vietnamese
    locale writes semicolons, since the comma is its decimal separator)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _tabulate(header: Sequence[object], rows: Iterable[Sequence[object]]) -> tablib.Dataset:
    """A Dataset with one row per file row after the header (blank rows kept, so
    row numbers stay those of the file; trailing blank rows dropped).

    Raises ImportFileError for an empty file, rows longer than the header, and
    as soon as a limit is passed (the file is not read further): more columns
    than ``IMPORT_MAX_COLUMNS``, more rows than ``IMPORT_MAX_ROWS`` or more
    blank rows than ``IMPORT_MAX_BLANK_ROWS`` (blank rows count for both), or a
    cell longer than ``IMPORT_MAX_CELL_LENGTH`` characters.
    """
    names = _column_names(header)
    width = len(names)
    blank = 0
    data: list[list[object]] = []
    too_long: list[int] = []
    for number, row in enumerate(rows, start=2):
        cells = list(row)
        blank = _check_row(number, cells, blank)
        if any(cell_text(v) for v in cells[width:]):
            too_long.append(number)
        data.append(cells[:width] + [None] * (width - len(cells)))
    while data and not any(cell_text(v) for v in data[-1]):
        data.pop()
    if too_long:
        raise _too_long(too_long)
    return tablib.Dataset(*data, headers=names)


def _column_names(header: Sequence[object]) -> list[str]:
    """The header row's names (normalize_header), trailing blank ones dropped; ImportFileError
    for an empty header, one wider than ``IMPORT_MAX_COLUMNS`` or a cell beyond the length limit."""
    _check_cells(1, header)
    names = [normalize_header(h) for h in header]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(_("The file is empty: the first row must hold the column names."))
    _check_width(len(names))
    return names


def _check_row(number: int, cells: Sequence[object], blank: int) -> int:
    """The limits on row ``number`` (spreadsheet row): at most ``IMPORT_MAX_ROWS`` rows under
    the header, ``IMPORT_MAX_BLANK_ROWS`` blank ones (``blank`` so far; the new count is
    returned) and ``IMPORT_MAX_CELL_LENGTH`` characters a cell. ImportFileError past one."""
    max_rows, max_blank = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_BLANK_ROWS
    if number - 1 > max_rows:
        raise ImportFileError(
            _("The file has more than %(limit)s rows under its header. Split it and import each part.")
            % {"limit": _number(max_rows)}
        )
    if not any(cell_text(v) for v in cells):
        blank += 1
        if blank > max_blank:
            raise ImportFileError(
                _(
                    "The file has more than %(limit)s blank rows (row %(row)d is one more). "
                    "Delete the blank rows and upload it again."
                )
                % {"limit": _number(max_blank), "row": number}
            )
    _check_cells(number, cells)
    return blank


def _csv_unreadable(rows, error: csv.Error) -> ImportFileError:
    """A cell over csv.field_size_limit(), far beyond IMPORT_MAX_CELL_LENGTH."""
    return ImportFileError(
        _("Line %(line)d cannot be read: it holds a cell longer than %(limit)s characters.")
        % {"line": rows.line_num, "limit": _number(settings.IMPORT_MAX_CELL_LENGTH)}
    )


def _check_width(columns: int) -> None:
    """ImportFileError when a table is wider than ``IMPORT_MAX_COLUMNS``."""
    limit = settings.IMPORT_MAX_COLUMNS
    if columns > limit:
        raise ImportFileError(
            _("The file has more than %(limit)d columns: the imports have far fewer. Check the header row.")
            % {"limit": limit}
        )


def _check_cells(number: int, cells: Sequence[object]) -> None:
    """ImportFileError when a text cell of row ``number`` is longer than ``IMPORT_MAX_CELL_LENGTH``."""
    limit = settings.IMPORT_MAX_CELL_LENGTH
    for position, value in enumerate(cells, start=1):
        if isinstance(value, str) and len(value) > limit:
            raise ImportFileError(
                _(
                    "Row %(row)d, column %(column)d holds %(length)s characters; a cell may hold at most "
                    "%(limit)s. Check that the file is the right one."
                )
                % {"row": number, "column": position, "length": _number(len(value)), "limit": _number(limit)}
            )


def _check_workbook(data: bytes) -> None:
    """Refuses a zip bomb before openpyxl opens it, from the sizes the zip
    declares (Python's zipfile never unpacks a member beyond its declared size:
    it stops and fails its checksum). ImportFileError when the members unpack
    to more than ``IMPORT_MAX_UNPACKED_SIZE`` bytes in all, or one member of
    over a megabyte unpacks to more than ``IMPORT_MAX_COMPRESSION_RATIO`` times
    its packed size (real sheets: about 10 times).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ImportFileError(NOT_A_WORKBOOK) from error
    unpacked, limit = sum(m.file_size for m in members), settings.IMPORT_MAX_UNPACKED_SIZE
    if unpacked > limit:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)s MB; at most %(limit)s MB can be read. "
                "Split it, or save it as CSV UTF-8 and import that."
            )
            % {"size": _number(round(unpacked / 2**20)), "limit": _number(round(limit / 2**20))}
        )
    ratio = settings.IMPORT_MAX_COMPRESSION_RATIO
    if any(m.file_size > 2**20 and m.file_size > ratio * max(m.compress_size, 1) for m in members):
        raise ImportFileError(
            _(
                "The workbook unpacks to more than %(ratio)d times its size, which no real spreadsheet does: "
                "it was not read. Save it again from Excel, or as CSV UTF-8."
            )
            % {"ratio": ratio}
        )


def _check_dimension(sheet) -> None:
    """Refuses a sheet whose declared size (``<dimension ref="A1:XFD1048576"/>``,
    which openpyxl reads without reading any row) is beyond the limits: openpyxl
    would fill every declared column of every row, and every row skipped."""
    rows, columns = (sheet.max_row or 0) - 1, sheet.max_column or 0
    max_rows, max_columns = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS
    if rows > max_rows or columns > max_columns:
        raise ImportFileError(
            _(
                "The sheet declares %(rows)s rows under its header and %(columns)s columns; at most %(max_rows)s "
                "rows and %(max_columns)d columns can be read. Delete the unused rows and columns in Excel, "
                "save it and upload it again."
            )
            % {
                "rows": _number(rows),
                "columns": _number(columns),
                "max_rows": _number(max_rows),
                "max_columns": max_columns,
            }
        )


def _number(value: int) -> str:
    """``value`` with the thousands separator of the user's language (1,000,000 or 1.000.000)."""
    return number_format(value, force_grouping=True)


NOT_A_WORKBOOK = _("This file is not an Excel workbook (.xlsx). Choose the format that matches the file.")


def _too_long(rows: Sequence[int]) -> ImportFileError:
    listed = ", ".join(str(n) for n in rows[:10])
    return ImportFileError(
        ngettext(
            "Row %(rows)s has more cells than the header row (often a comma inside an unquoted name).",
            "Rows %(rows)s have more cells than the header row (often a comma inside an unquoted name).",
            len(rows),
        )
        % {"rows": listed}
    )


class CSVFormat(base_formats.CSV):
    """CSV read from bytes, so that the encoding is checked here with a clear
    message instead of failing inside import-export's text-mode temp file."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes | str, **kwargs) -> tablib.Dataset:
        text = _without_nul(in_stream) if isinstance(in_stream, str) else _decode(in_stream)
        first_line = text.split("\n", 1)[0]
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
        try:
            return _tabulate(next(rows, []), rows)
        except csv.Error as error:
            raise _csv_unreadable(rows, error) from error


class XLSXFormat(base_formats.XLSX):
    """First sheet of a workbook; date cells arrive as dates.

    Guarded (docs/import.md, "Limits"): the zip's sizes are checked before
    openpyxl opens it, the sheet's declared dimension before any row is read,
    and only the header's columns are read."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        import openpyxl  # import-export keeps format dependencies local (its issue 2004)

        _check_workbook(in_stream)
        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        except Exception as error:
            raise ImportFileError(NOT_A_WORKBOOK) from error
        try:
            sheet = book.active
            _check_dimension(sheet)
            limit = settings.IMPORT_MAX_COLUMNS
            header = next(sheet.iter_rows(max_row=1, max_col=limit + 1, values_only=True), ())
            width = max((i for i, v in enumerate(header, start=1) if cell_text(v)), default=0)
            _check_width(width)
            return _tabulate(header[:width], sheet.iter_rows(min_row=2, max_col=max(width, 1), values_only=True))
        finally:
            book.close()


FORMATS_BY_EXTENSION: dict[str, type[base_formats.Format]] = {".csv": CSVFormat, ".xlsx": XLSXFormat}


class CSVRows:
    """The rows of a CSV file exactly as ``CSVFormat().create_dataset(data)`` gives them
    (same decoding, separator, header names, blank rows and refusals), for resources
    whose import_data reads a dataset once, in order (FacilityResource): ``headers``,
    ``len()``, iteration and ``del rows[:]``. The rows are parsed from ``data`` when
    iterated, not held: a file of 10⁶ rows takes the memory of its bytes, where a
    Dataset takes ten times as much (``manage.py import_facilities``)."""

    def __init__(self, data: bytes):
        self._data = data
        # Plain UTF-8 (the usual case) is decoded line by line; anything else as CSVFormat does.
        self._text = None if _plain_utf8(data) else _decode(data)
        rows = self._reader()
        try:
            self.headers = names = _column_names(next(rows, []))
            self._width = width = len(names)
            length, too_long, blank = 0, [], 0
            last, longest = settings.IMPORT_MAX_ROWS + 1, settings.IMPORT_MAX_CELL_LENGTH
            for number, cells in enumerate(rows, start=2):
                # Most rows: as wide as the header, within the limits, not blank (some cell holds more
                # than spaces, so reads as something: cell_text). Every check below passes on them.
                regular = len(cells) == width and number <= last and max(map(len, cells)) <= longest
                if regular and "".join(cells).strip():
                    length = number - 1
                    continue
                blank = _check_row(number, cells, blank)  # the limits of _tabulate, in this first pass
                if any(cell_text(v) for v in cells[width:]):
                    too_long.append(number)
                if any(cell_text(v) for v in cells[:width]):
                    length = number - 1  # trailing blank rows are dropped, as _tabulate does
        except csv.Error as error:
            raise _csv_unreadable(rows, error) from error
        if too_long:
            raise _too_long(too_long)
        self._length = length

    def _reader(self) -> Iterator[list[str]]:
        if self._text is not None:
            lines: Iterable[str] = io.StringIO(self._text, newline="")
            first_line = self._text.split("\n", 1)[0]
        else:
            lines = io.TextIOWrapper(io.BytesIO(self._data), encoding="utf-8-sig", newline="")
            end = self._data.find(b"\n")
            first_line = (self._data if end < 0 else self._data[:end]).decode("utf-8-sig")
        return csv.reader(lines, delimiter=_delimiter(first_line))

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[list[str]]:
        rows = self._reader()
        next(rows, None)
        width = self._width
        for cells in itertools.islice(rows, self._length):
            yield cells if len(cells) == width else cells[:width] + [None] * (width - len(cells))

    def __delitem__(self, key: slice) -> None:
        if key != slice(None):
            raise TypeError("CSVRows only supports del rows[:]")
        self._length = 0


def _plain_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text (with or without a BOM) that _decode() would read as
    such: checked in slices, so that no copy of the whole text is made."""
    if data.startswith((b"PK\x03\x04", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class ImportForm(import_forms.ImportForm):
    """import-export's upload form, refusing a file larger than
    ``settings.IMPORT_MAX_FILE_SIZE`` (bytes) before it is read: import-export
    itself reads any upload whole into memory."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_FILE_SIZE
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s MB; files up to %(limit)s MB can be imported. Split it and import each part.")
                % {"size": f"{upload.size / 2**20:.1f}", "limit": f"{limit / 2**20:g}"},
                code="too_large",
            )
        return upload


# --- Writing with history ---------------------------------------------------

IMPORT_REASON = "import"  # change reason of the history entries an import writes


def create_with_history(
    objs: Sequence[Model], model: type[Model], user, batch_size: int | None = None, *, history: bool = True
) -> None:
    """INSERT ``objs`` (cpdash.bulk: COPY in chunks on PostgreSQL) and give them their new
    primary keys, then one history entry each ("+", by ``user``, reason "import") in one
    INSERT … SELECT per chunk: the queries do not grow with the rows, and no history entry
    is built in Python. ``user`` None: the signed-in user of the request, if any. A
    relation to an object stored earlier in the same write (a survey's new option) takes
    that object's new id. ``batch_size`` is ignored (cpdash.bulk chooses its chunks).
    ``history=False``: no history entries (``load_demo``'s data, written by no one)."""
    objs = list(objs)
    if not objs:
        return
    using = router.db_for_write(model)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    _link_saved_relations(objs, fields)
    # The values as bulk_create takes them: pre_save() where a field fills itself (auto_now).
    filled = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for model_field in filled:
            model_field.pre_save(obj, True)
    values = attrgetter(*(f.attname for f in fields))
    rows = [values(obj) for obj in objs] if len(fields) > 1 else [(values(obj),) for obj in objs]
    ids = bulk.insert(model, [f.attname for f in fields], rows, using=using)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    if history:
        bulk.write_history(model, ids, "+", user, IMPORT_REASON, using=using)


def _link_saved_relations(objs: Sequence[Model], fields: Sequence) -> None:
    """A foreign key set to an object that had no id then (a detail of a record new in the same
    import) takes that object's id now, as save() and bulk_create() do
    (Model._prepare_related_fields_for_save), looking only at the keys still empty."""
    relations = [f for f in fields if f.is_relation and f.concrete and (f.many_to_one or f.one_to_one)]
    for relation in relations:
        target = relation.target_field.attname
        for obj in objs:
            if getattr(obj, relation.attname) is not None or not relation.is_cached(obj):
                continue
            related = relation.get_cached_value(obj)
            if related is None:
                continue
            value = getattr(related, target)
            if value is None:
                raise ValueError(f"{obj!r}: its {relation.name} is not saved yet")
            setattr(obj, relation.attname, value)


def update_with_history(
    objs: Sequence[Model],
    model: type[Model],
    fields: Sequence[str],
    user,
    batch_size: int | None = None,
    *,
    history: bool = True,
) -> None:
    """UPDATE ``fields`` of ``objs`` (cpdash.bulk: ``UPDATE … FROM unnest`` in chunks on
    PostgreSQL) plus one history entry per object ("~"), as create_with_history (and, as
    there, none with ``history=False``)."""
    objs = list(objs)
    if not objs or not fields:
        return
    using = router.db_for_write(model)
    model_fields = [model._meta.get_field(name) for name in fields]
    attnames = [field.attname for field in model_fields]
    _link_saved_relations(objs, model_fields)
    bulk.update(model, attnames, [(obj.pk, *(getattr(obj, a) for a in attnames)) for obj in objs], using=using)
    if history:
        bulk.write_history(model, [obj.pk for obj in objs], "~", user, IMPORT_REASON, using=using)


@dataclass
class KeyedWrite:
    """What write_by_key() did to a table."""

    total: int = 0
    created: int = 0
    updated: int = 0
    stale: list[int] = field(default_factory=list)  # ids of the table's rows not written


def write_by_key(
    model: type[Model], objs: Sequence[Model], key: Sequence[str], user=None, *, history: bool = True
) -> KeyedWrite:
    """Save ``objs`` (unsaved instances of ``model``) by natural key, the fields named in
    ``key``: insert the new and update the changed (every field) through create_with_history
    and update_with_history, leave the unchanged rows as they are; each object gets the id of
    its row (unchanged rows keep theirs). A foreign key may point at an object saved earlier,
    in the same load too. The table's rows that no object names, and all but the oldest of
    rows sharing a key, are reported (``stale``) and left alone. ValueError for a key two
    objects share. Reads the whole table once: for tables of demo size (``load_demo``), not
    the register's imports (facilities/resources.py, RecordResource)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    key_attnames = [model._meta.get_field(name).attname for name in key]
    _link_saved_relations(objs, fields)
    for obj in objs:
        if isinstance(obj, Searchable):
            obj.refresh_search_text()  # bulk writes skip Searchable.save()
    stored: dict[tuple, dict] = {}
    stale: list[int] = []
    for row in model._default_manager.order_by("pk").values("pk", *(f.attname for f in fields)):
        row_key = tuple(row[name] for name in key_attnames)
        if row_key in stored:
            stale.append(row["pk"])
        else:
            stored[row_key] = row
    new, changed, seen = [], [], set()
    for obj in objs:
        obj_key = tuple(getattr(obj, name) for name in key_attnames)
        if obj_key in seen:
            raise ValueError(f"{model.__name__}: the key {obj_key} is given twice")
        seen.add(obj_key)
        row = stored.get(obj_key)
        if row is None:
            new.append(obj)
            continue
        obj.pk, obj._state.adding = row["pk"], False
        if any(getattr(obj, f.attname) != row[f.attname] for f in fields):
            changed.append(obj)
    create_with_history(new, model, user, history=history)
    update_with_history(changed, model, [f.name for f in fields], user, history=history)
    stale = [row["pk"] for row_key, row in stored.items() if row_key not in seen] + stale
    return KeyedWrite(total=len(objs), created=len(new), updated=len(changed), stale=stale)


# --- Reading one cell -------------------------------------------------------


def is_blank(cells: Iterable[object]) -> bool:
    """Whether every cell of a row reads as empty (cell_text gives ""), without reading them:
    only None and text of spaces do (any number, date or other text reads as something)."""
    return all(v is None or (v.__class__ is str and not v.strip()) for v in cells)


#: What read_column() gives for one cell: (the widget's value, None), or (None, the widget's message).
Reading = tuple[object, str | None]


def read_column(
    widget: widgets.Widget, cells: Iterable[object], convert: Callable[[object], object] | None = None
) -> list[Reading]:
    """``widget.clean()`` of each of ``cells`` (one column of the rows read together), each
    distinct cell cleaned once: a column of sectors, units, kinds, dates or yes/no repeats a
    few values over thousands of rows. (value, None) for a cell read, with ``convert(value)``
    when given (a record's id), or (None, message) for a cell the widget refuses: the same
    value and the same message as cleaning that cell alone. Widgets read a cell alone (none
    reads the rest of the row), so their answer depends on the cell only."""
    cells = cells if isinstance(cells, list) else list(cells)
    classes = set(map(type, cells))
    if classes <= _TEXT_CLASSES or len(classes) == 1:
        # Text and empty cells (a CSV's), or cells of one type: equal cells are the same cell, so
        # the distinct ones (in the order they come) are read, then looked up, at C speed.
        try:
            distinct = dict.fromkeys(cells)
        except TypeError:  # unhashable cells: read below
            distinct = None
        if distinct is not None:
            readings = {cell: _reading(widget, cell, convert) for cell in distinct}
            return list(map(readings.__getitem__, cells))
    cache: dict[Hashable, Reading] = {}
    found: list[Reading] = []
    append = found.append
    for cell in cells:
        # 1, 1.0 and True are equal keys: non-text cells are keyed by their type too.
        key = cell if cell is None or cell.__class__ is str else (cell.__class__, cell)
        try:
            reading, hashable = cache.get(key), True
        except TypeError:  # unhashable: read alone
            reading, hashable = None, False
        if reading is None:
            reading = _reading(widget, cell, convert)
            if hashable:
                cache[key] = reading
        append(reading)
    return found


_TEXT_CLASSES = frozenset((str, type(None)))


def _reading(widget: widgets.Widget, cell: object, convert: Callable[[object], object] | None) -> Reading:
    """``widget.clean(cell)`` as read_column gives it: (value, None) or (None, message)."""
    try:
        value = widget.clean(cell)
        return (value if convert is None else convert(value), None)
    except ValueError as error:
        return (None, str(error))


def exact_key(text: str) -> str:
    """``text`` compared ignoring case and spacing, but not diacritics."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@dataclass
class NameIndex:
    """Objects by name: an exact match (ignoring case and spacing) wins, else a
    match with diacritics folded ("Gia Lam" → "Gia Lâm")."""

    exact: dict[str, list[Model]]
    folded: dict[str, list[Model]]

    @classmethod
    def build(cls, objects: Iterable[Model]) -> "NameIndex":
        index = cls({}, {})
        for obj in objects:
            index.exact.setdefault(exact_key(obj.name), []).append(obj)
            index.folded.setdefault(fold(obj.name), []).append(obj)
        return index

    def find(self, text: str) -> list[Model]:
        """Candidates for ``text``: one on a match, none or several otherwise."""
        return self.exact.get(exact_key(text)) or self.folded.get(fold(text), [])


class NameWidget(widgets.Widget):
    """A record named in a cell (sector, unit, area…); ``index`` is filled once
    per import (see the resources' before_import), so no query per row."""

    def __init__(self, unknown: str, missing: str | None = None):
        super().__init__()
        self.unknown = unknown
        self.missing = missing  # None: the cell may be empty
        self.index = NameIndex({}, {})

    def clean(self, value, row=None, **kwargs) -> Model | None:
        text = cell_text(value)
        if not text:
            if self.missing:
                raise ValueError(self.missing)
            return None
        matches = self.index.find(text)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(self.unknown % {"value": text})
        names = ", ".join(sorted(f"“{m.name}”" for m in matches))
        raise ValueError(
            _("“%(value)s” matches %(names)s: write it with its diacritics.") % {"value": text, "names": names}
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else value.name


class TextWidget(widgets.Widget):
    """Stripped text of at most ``max_length`` characters (None: any length), the model
    field's: a longer cell is a problem of its row that names the limit, never a database
    error at the write. "" for an empty cell, unless ``missing`` (the message then) is given."""

    def __init__(self, missing: str | None = None, max_length: int | None = None):
        super().__init__()
        self.missing = missing
        self.max_length = max_length
        self.validator = MaxLengthValidator(max_length) if max_length else None

    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        if not text and self.missing:
            raise ValueError(self.missing)
        # The validator refuses text longer than max_length, and only that: it is asked for its message.
        if self.validator and len(text) > self.max_length:
            try:
                self.validator(text)
            except ValidationError as error:
                raise ValueError(_message(error)) from error
        return text

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class AliasWidget(widgets.Widget):
    """A choice, written as its value, its label in any of the site's languages (what the
    downloadable template's drop-down offers) or one of ``aliases`` (spellings → value, such
    as the Vietnamese names the department's sheets use); case, spacing, diacritics, "_"
    and "-" do not matter. Shown by its label in the current language.

    ``choices``: the TextChoices the cell picks from (else the aliases' values).
    ``invalid`` may name %(value)s (the cell) and %(choices)s (the values, comma separated).
    An empty cell is refused with ``missing`` if given, else read as ``default``.
    Every import reads its choices with this widget."""

    def __init__(
        self,
        aliases: Mapping[str, str],
        invalid: str,
        default: str | None = None,
        *,
        choices: type[TextChoices] | None = None,
        missing: str | None = None,
    ):
        super().__init__()
        self.aliases = {alias_key(spelling): value for spelling, value in aliases.items()}
        self.choices = choices
        self.invalid = invalid
        self.default = default
        self.missing = missing
        self._all: dict[str, str] | None = None  # every spelling, built on first use

    def values(self) -> list[str]:
        """The values a cell may name, in order."""
        return list(self.choices) if self.choices else list(dict.fromkeys(self.aliases.values()))

    def all_aliases(self) -> dict[str, str]:
        """Folded spelling → value: the aliases, the labels in every language, the values."""
        if self._all is None:
            found = dict(self.aliases)
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    found.update({alias_key(str(v.label)): v for v in self.values() if hasattr(v, "label")})
            found.update({alias_key(str(value)): value for value in self.values()})
            self._all = found
        return self._all

    def labels(self) -> dict[str, str]:
        """Value → label in the current language, in order (choices without labels: none)."""
        return {str(v): str(v.label) for v in self.values() if hasattr(v, "label")}

    def choice_labels(self) -> list[str]:
        """What a cell may say, in the current language: the labels, else the values."""
        return list(self.labels().values()) or [str(v) for v in self.values()]

    def clean(self, value, row=None, **kwargs) -> str | None:
        text = cell_text(value)
        if not text:
            if self.missing:
                raise ValueError(self.missing)
            return self.default
        found = self.all_aliases().get(alias_key(text))
        if found is None:
            choices = ", ".join(str(v) for v in self.values())
            raise ValueError(self.invalid % {"value": text, "choices": choices})
        return found

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None or value == "":
            return ""
        return self.labels().get(str(value), str(value))


def alias_key(text: str) -> str:
    """How AliasWidget compares a cell with its aliases: ``"Raw_material"`` → ``"raw material"``."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


class DayWidget(widgets.Widget):
    """A date cell, or text as YYYY-MM-DD or DD/MM/YYYY."""

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        if len(text) == 10 and text[4] == text[7] == "-" and text.isascii() and text.replace("-", "").isdigit():
            try:  # YYYY-MM-DD, the common case, without strptime's cost (a large import reads 10⁵ dates)
                return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                pass  # 2014-02-30: strptime refuses it too, with the message below
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY.") % {"value": text})

    def render(self, value, obj=None, **kwargs) -> str:
        """As the app writes dates (cpdash/formats: 31/12/2015), which clean() reads back."""
        return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


#: Folded spellings of yes and no (see cpdash.text.fold) → value.
YES_NO = {"yes": True, "true": True, "1": True, "co": True, "no": False, "false": False, "0": False, "khong": False}


class YesNoWidget(widgets.Widget):
    """yes/no, true/false, 1/0, có/không (any case); an empty cell means yes."""

    def clean(self, value, row=None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        text = cell_text(value)
        if not text:
            return True
        answer = YES_NO.get(fold(text))
        if answer is None:
            raise ValueError(_("“%(value)s” is not yes or no.") % {"value": text})
        return answer

    def render(self, value, obj=None, **kwargs) -> str:
        return gettext("yes") if value else gettext("no")


class WholeNumberWidget(widgets.Widget):
    """A count from 0 to MAX_COUNT, or None for an empty cell. Every whole-number column of
    every import reads its cells with it.

    Text may group thousands as the import's language (the user's) writes them, as the staff
    forms read counts (cpdash.numbers): "1.500" in Vietnamese, "1,500" in English, in groups of
    three (cpdash.numbers.whole_number_digits). Anything else is refused, never read as another
    number: a decimal mark ("1.5" or "1,5" in Vietnamese), the other language's grouping
    ("1,500" in Vietnamese). A number cell (XLSX) is the number it holds: 1.234 is not grouped.
    Shown (render) as plain digits, which a file of either language reads back; preview()
    groups them for the admin's preview.

    ``validators``: those of the model field the column fills when it has its own (a ceiling
    below MAX_COUNT: programmes.models.OUTREACH_COUNT_VALIDATORS), so that the import refuses
    what the forms and the admin refuse, with their message."""

    def __init__(self, validators: Sequence[Callable[[int], None]] = ()) -> None:
        super().__init__()
        self.validators = tuple(validators)

    def clean(self, value, row=None, **kwargs) -> int | None:
        text = cell_text(value)
        if not text:
            return None
        if _NEGATIVE.fullmatch(text):
            raise ValueError(_("“%(value)s” is negative: write zero or more.") % {"value": text})
        # Plain digits, most cells, need no reading of the language's grouping.
        digits = text if is_ascii_digits(text) or value.__class__ is not str else whole_number_digits(text)
        if digits is None or not is_ascii_digits(digits):
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
        if self.validators:
            number = int(digits)
            try:
                for validator in self.validators:
                    validator(number)
            except ValidationError as error:
                raise ValueError(_message(error)) from error
        return bounded_count(digits, text)

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)

    def preview(self, value) -> str:
        """``value`` as the admin's preview shows it: thousands grouped as the language writes them."""
        return "" if value is None else number_format(value, force_grouping=True)


_NEGATIVE = re.compile(r"-\d[\d.,]*")


def bounded_count(digits: str, text: str | None = None) -> int:
    """``digits`` (0-9 only) as a number, refused above MAX_COUNT: the database's
    integer would refuse it only when the import is confirmed, with no row number.
    ``text``: the cell as written, for the message (default ``digits``)."""
    number = int(digits)
    if number > MAX_COUNT:
        raise ValueError(_("“%(value)s” is too large: at most %(max)d.") % {"value": text or digits, "max": MAX_COUNT})
    return number


def preview_cell(widget: widgets.Widget, value: object) -> str:
    """A value read from a cell, as the admin's import preview shows it: the widget's
    ``preview()`` when it has one (numbers grouped), else its ``render()``."""
    preview = getattr(widget, "preview", None)
    return widget.render(value) if preview is None else preview(value)


class PreviewDiff(resources.Diff):
    """import-export's preview of a row (a resource's ``get_diff_class()``), each value as
    preview_cell() shows it rather than as an export writes it: "1.500" employees in Vietnamese.
    (import-export's Diff calls ``Diff._read_field_values`` by name: both readers are replaced.)"""

    def __init__(self, resource, instance, new) -> None:  # not Diff's: it would read the row twice
        self.left, self.right, self.new = self._shown(resource, instance), [], new

    def compare_with(self, resource, instance) -> None:
        self.right = self._shown(resource, instance)

    @staticmethod
    def _shown(resource, instance) -> list[str]:
        return [preview_cell(f.widget, f.get_value(instance)) for f in resource.get_import_fields()]


# --- Reporting --------------------------------------------------------------


def header_problem(headers: Sequence[str], required: Sequence[str], known: Sequence[str]) -> str:
    """A message about missing, unknown, repeated or blank column names; "" if none."""
    problems = []
    missing = [c for c in required if c not in headers]
    if missing:
        problems.append(gettext("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    unknown = [h for h in headers if h and h not in known]
    if unknown:
        problems.append(
            gettext("Unknown column(s): %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(known)}
        )
    repeated = sorted({h for h in headers if h and headers.count(h) > 1})
    if repeated:
        problems.append(gettext("Repeated column(s): %(columns)s.") % {"columns": ", ".join(repeated)})
    blank = [str(i) for i, h in enumerate(headers, start=1) if not h]
    if blank:
        problems.append(gettext("Column(s) %(positions)s have no name.") % {"positions": ", ".join(blank)})
    return " ".join(problems)


@dataclass(frozen=True)
class RowProblem:
    """One reason an import was refused. ``row`` is the spreadsheet row (header
    = 1), None for the file as a whole; ``column`` is "" when not one column;
    ``label`` the column's name for people (labelled()), "" until given."""

    row: int | None
    column: str
    message: str
    label: str = field(default="", compare=False)

    @property
    def heading(self) -> str:
        """The column as the page names it: its label, else its name."""
        return self.label or self.column

    def labelled(self, label: Callable[[str], str]) -> "RowProblem":
        """This problem with its column's ``label(column)`` (in the current language)."""
        return replace(self, label=str(label(self.column))) if self.column else self

    def __str__(self) -> str:
        if self.row is None:
            return gettext("File: %(message)s") % {"message": self.message}
        if not self.column:
            return gettext("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return gettext("Row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.heading,
            "message": self.message,
        }


def row_problems(result: Result, columns: Sequence[str]) -> list[RowProblem]:
    """Every problem of an import result (import-export's "errors" and "invalid
    rows" alike), by row, then in the order of ``columns``."""
    problems = [RowProblem(None, "", str(e.error)) for e in result.base_errors]
    for error_row in result.error_rows:
        problems += [RowProblem(file_row(error_row.number), "", str(e.error)) for e in error_row.errors]
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            column = "" if key == NON_FIELD_ERRORS else key
            problems += [RowProblem(file_row(invalid.number), column, str(m)) for m in messages]
    order = {column: i for i, column in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, -1)))


# --- Large files --------------------------------------------------------------

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def estimated_rows(data: bytes, extension: str) -> int:
    """About how many data rows ``data`` holds, without reading it as a table: the lines of
    a CSV that hold something, the declared size of a workbook's first sheet. Decides
    whether an upload is imported in the request or by a background job, so a file the
    guards refuse (too many blank lines, a declared size beyond the limits, a zip bomb)
    counts 0: read in the request, it is refused there at once."""
    if extension == ".csv":
        return max(sum(1 for line in data.splitlines() if line.strip(b" \t,;")) - 1, 0)
    try:
        _check_workbook(data)
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            sheets = sorted(n for n in book.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            if not sheets:
                return 0
            with book.open(sheets[0]) as sheet:
                match = _DIMENSION.search(sheet.read(4096))
    except (ImportFileError, zipfile.BadZipFile, OSError):
        return 0
    if match is None:
        return 0
    columns, rows = column_index_from_string(match.group(1).decode()), int(match.group(2)) - 1
    if rows > settings.IMPORT_MAX_ROWS or columns > settings.IMPORT_MAX_COLUMNS:
        return 0
    return max(rows, 0)


def problem_sheet(dataset: tablib.Dataset, problems: Sequence[RowProblem]) -> tuple[list[str], Iterable[list]]:
    """The uploaded rows (as read, blank rows kept) with a last column listing each row's
    problems, so that the sheet can be fixed where it is wrong and uploaded again."""
    by_row: dict[int, list[str]] = {}
    for problem in problems:
        if problem.row is not None:
            text = f"{problem.column}: {problem.message}" if problem.column else problem.message
            by_row.setdefault(problem.row, []).append(text)
    headers = [*dataset.headers, gettext("problems")]
    rows = ([*row, "; ".join(by_row.get(number, ()))] for number, row in enumerate(dataset, start=2))
    return headers, rows


# --- Imports by natural key -------------------------------------------------------

NEW, UPDATE, SKIP = RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


@dataclass(frozen=True)
class Child:
    """One object of ``model`` that a row may carry for its record (linked by the
    foreign key ``link``): the row carries it when any of its columns is filled."""

    model: type[Model]
    link: str
    fields: dict[str, str]  # column → model field
    key_column: str  # identifies the child within its record (with ``also_keyed_by``)
    required: dict[str, str]  # column → message when the row has this child but not that cell
    repeated: str  # message with %(row)d, the row where the child first appears, and %(value)s
    also_keyed_by: tuple[str, ...] = ()  # further columns of the child's key (an option's category)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.key_column, *self.also_keyed_by)


@dataclass
class ImportRow:
    number: int  # import-export's data-row number: spreadsheet row − 1
    cells: dict[str, object]
    values: dict[str, object] = field(default_factory=dict)  # read cells, by column
    errors: dict[str, list[str]] = field(default_factory=dict)
    record: "ImportRecord | None" = None
    status: str = SKIP

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column or NON_FIELD_ERRORS, []).append(str(message))

    def filled(self, column: str) -> bool:
        return bool(cell_text(self.cells.get(column)))

    def read(self, *columns: str) -> bool:
        """Whether every one of ``columns`` was read without a problem."""
        return all(c in self.values for c in columns)


@dataclass
class ImportRecord:
    key: tuple
    rows: list[ImportRow]
    obj: Model | None = None
    status: str = SKIP
    changed: set[str] = field(default_factory=set)
    children_touched: bool = False
    child_rows: dict[tuple, ImportRow] = field(default_factory=dict)  # (model, key) → first row


@dataclass
class PendingChildren:
    """Children to write, per model: new ones, and changed ones with their fields."""

    create: list[Model] = field(default_factory=list)
    update: list[Model] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


@dataclass
class RecordChunk:
    """What RecordResource reads, matches and writes of a file (one chunk: the whole file)."""

    rows: list[ImportRow]  # every row, blank ones too
    filled: list[ImportRow] = field(default_factory=list)  # the rows not blank
    records: list[ImportRecord] = field(default_factory=list)
    pending: dict[type[Model], PendingChildren] = field(default_factory=dict)


class RecordResult(Result):
    """An import-export Result that also names the records added and changed
    (for the admin's history: one entry per record, not per row)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.added: list[Model] = []
        self.changed: list[Model] = []


def _key_part(value: object) -> Hashable:
    """How a key cell compares: objects by id, text ignoring case and spacing, an
    empty cell as the empty text a blank choice stores."""
    if value is None:
        return ""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, str):
        return exact_key(value)
    return value


def _plain(value: object) -> object:
    return value.pk if isinstance(value, Model) else value


def _empty(model: type[Model], name: str) -> object:
    """What an empty cell stores: NULL, the field's default, or ""."""
    model_field = model._meta.get_field(name)
    if model_field.null or model_field.is_relation:  # a required relation left empty is a row error
        return None
    if model_field.has_default():
        return model_field.get_default()
    return ""


def _stored(obj: Model, name: str) -> object:
    return getattr(obj, obj._meta.get_field(name).attname)


def _apply(obj: Model, values: dict[str, object]) -> set[str]:
    """Sets ``values`` (field → value) on ``obj``; returns the fields that changed."""
    changed = set()
    for name, value in values.items():
        if obj.pk is None or _plain(value) != _stored(obj, name):
            changed.add(name)
            setattr(obj, name, value)
    return changed


#: Labels of columns several imports share, whose field's verbose name would not say them.
COMMON_LABELS = {
    "facility_code": _("Facility code"),
}


def label_headers(columns: Sequence[str], label: Callable[[str], str]) -> dict[str, str]:
    """Normalised ``label(column)`` in every language of the site → column (not the
    columns' own names, which are read as they are)."""
    found: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update({normalize_header(label(column)): column for column in columns})
    return {header: column for header, column in found.items() if header not in columns}


def template_column(name: str, widget: widgets.Widget, header: str, required: bool, note: str = "") -> TemplateColumn:
    """A column of the downloadable template, from the widget that reads it."""
    choices = widget.choice_labels() if hasattr(widget, "choice_labels") else ()
    return TemplateColumn(
        name=name,
        header=header,
        required=required,
        note=note,
        choices=choices,
        text=name == "code" or name.endswith("_code"),
        date=isinstance(widget, DayWidget),
    )


def example_label(widget: widgets.Widget, value: object) -> object:
    """An example cell in the current language: a choice's code becomes its label."""
    labels = widget.labels() if hasattr(widget, "labels") else {}
    return labels.get(value, value) if isinstance(value, str) else value


# --- The import engine ---------------------------------------------------------------------------


class ImportEngine:
    """The one driver every import runs through: the facility list
    (facilities.resources.FacilityResource) and every import by natural key
    (RecordResource). A mixin placed before import-export's resource class (``class
    RecordResource(ImportEngine, resources.Resource)``, ``class
    FacilityResource(ImportEngine, resources.ModelResource)``): its ``import_data``
    replaces import-export's, while each resource keeps what import-export gives it
    otherwise (the admin's export, ``export_field`` with formula escaping, for the
    facility list, a ModelResource; the preview's Result and RowResult for both).

    ``import_data`` opens the import's transaction (``import_transaction``), reads the
    header (``begin_import``: None when no row can be read, the problem being in the
    result), then goes through the file in chunks of ``chunk_size`` rows, calling
    ``progress`` once per row as it goes; ``chunk_size`` None makes the whole file one
    chunk (an import whose records span rows, grouped by key anywhere in the file). Each
    chunk is, in order:

    1. ``read_chunk``: every cell read by its column's widget (``read_column``), and the
       checks of each row;
    2. ``match_chunk``: the stored rows the chunk's keys name, one lookup per chunk; how
       rows make records; what each row does (new, update, skip); a key repeated in an
       earlier row, of this chunk or an earlier one, is found with ``first_row``;
    3. ``keep_rows``: the result's totals and problems, and what else the result keeps
       (every row for the admin's preview, or the rows with problems alone); sets
       ``failed`` when a row is invalid;
    4. ``write_chunk``, unless the import failed so far or is a dry run: the chunk's
       writes; on a write that fails, the result's error and ``failed``.

    Then ``end_import`` inside the transaction (what a failed or dry-run import takes
    back, the version it finishes, ANALYZE of a whole-file import) and ``after_commit``
    after it (ANALYZE of a streamed one, once committed).
    """

    #: Rows a chunk holds; None: the whole file is one chunk.
    chunk_size: int | None = None
    #: On PostgreSQL, each chunk's writes run in a thread beside the reading and checking of
    #: the next chunk (see _ChunkWrites), for an import whose chunks read the database only in
    #: ``fetch_chunk`` and whose written rows no later chunk reads back.
    overlap_writes: bool = False

    def __init__(
        self,
        *,
        progress: Callable[[], object] | None = None,
        phase: Callable[[str], object] | None = None,
        html_diff: bool = True,
        **kwargs,
    ):
        """``progress`` is called once per row read (a background job's counts: jobs.imports),
        ``phase`` with what the import does after its last row (the job's page shows it:
        jobs.progress.Progress.phase). ``html_diff=False`` (a background job, a command: no
        page shows the rows) keeps the totals and the rows with problems alone, not every row
        with its preview (``keep_every_row``)."""
        super().__init__(**kwargs)
        self.html_diff = html_diff
        self._progress = progress
        self._phase = phase or (lambda text: None)

    def keep_every_row(self, **kwargs) -> bool:
        """Whether the result keeps a RowResult per row (``kwargs``: import_data's): for the
        admin's preview (its diff) or when asked for the instances; else only the totals and
        the rows with problems, so that memory does not grow with the file."""
        return self.html_diff or bool(kwargs.get("retain_instance_in_row_result"))

    def import_data(
        self, dataset, dry_run: bool = False, raise_errors: bool = False, collect_failed_rows: bool = False, **kwargs
    ) -> Result:
        """Reads, checks and (unless ``dry_run``) writes ``dataset``, all or nothing, whatever
        the caller asks (import-export's own import_data keeps the valid rows of a file with
        invalid ones). ``raise_errors`` and ``collect_failed_rows`` are import-export's, for
        the hooks that honour them (the facility list: an invalid row or a failed write
        raises; the result also lists the invalid rows with their cells)."""
        self.dry_run, self.raise_errors, self.collect_failed_rows = dry_run, raise_errors, collect_failed_rows
        self.failed = False
        self._first_rows: dict[Hashable, int] = {}
        result = self.get_result_class()()
        with self.import_transaction(dry_run):
            headers = self.begin_import(dataset, result, **kwargs)
            if headers is not None:
                self.headers = headers
                with _ChunkWrites(self, result) as writes:
                    for rows in self._chunks(dataset):
                        chunk = self.read_chunk(rows)
                        writes.settle()  # the chunk before's write done: the connection is free
                        self.fetch_chunk(chunk)
                        writes.start()
                        self.match_chunk(chunk)
                        self.keep_rows(chunk, result)
                        if not (self.failed or dry_run):
                            writes.add(chunk)
            self.end_import(result)
        self.after_commit(result)
        return result

    def _chunks(self, rows: Iterable[Sequence[object]]) -> Iterator[list[tuple[int, Sequence[object]]]]:
        """(number, cells) of the rows, ``chunk_size`` at a time (number: import-export's data-row
        number, file_row() gives the spreadsheet's); with no ``chunk_size``, one chunk, empty too.
        ``progress`` is called per row of a streamed chunk once it is read (it is checked right after);
        a whole-file chunk's rows are counted by ``read_chunk`` as it checks them (``checked``),
        so that a job's page does not show every row checked before the first is."""
        size = self.chunk_size
        numbered = enumerate(rows, 1)
        if size is None:
            yield list(numbered)
            return
        while chunk := list(itertools.islice(numbered, size)):
            self._count(len(chunk))
            yield chunk

    def checked(self, rows: int = 1) -> None:
        """``rows`` more rows checked, for the ``progress`` callback of a whole-file chunk."""
        if self.chunk_size is None:
            self._count(rows)

    def _count(self, rows: int) -> None:
        """``progress`` called once for each of ``rows`` rows."""
        if self._progress:
            for _row in range(rows):
                self._progress()

    def first_row(self, key: Hashable, number: int) -> int:
        """The number of the first row of the file (so far) with ``key``: ``number`` itself
        when no earlier row, of this chunk or an earlier one, has it."""
        return self._first_rows.setdefault(key, number)

    # --- Hooks ------------------------------------------------------------------------------------

    def import_transaction(self, dry_run: bool) -> contextlib.AbstractContextManager:
        """The transaction the whole import runs in."""
        raise NotImplementedError

    def begin_import(self, dataset, result: Result, **kwargs) -> list[str] | None:
        """Before the first row: the columns of ``dataset``'s rows, or None (and a problem in
        ``result``) when the header cannot be read."""
        raise NotImplementedError

    def read_chunk(self, rows: list[tuple[int, Sequence[object]]]) -> object:
        """The chunk of ``rows`` (number, cells), its cells read and its rows checked."""
        raise NotImplementedError

    def fetch_chunk(self, chunk) -> None:
        """The stored rows the chunk's keys name, for an import with ``overlap_writes``
        (the only database read of a chunk: match_chunk then reads none)."""

    def match_chunk(self, chunk) -> None:
        """The chunk's stored rows (unless fetch_chunk read them), records and what each row does."""
        raise NotImplementedError

    def keep_rows(self, chunk, result: Result) -> None:
        """The chunk's rows into ``result``; ``failed`` when one is invalid."""
        raise NotImplementedError

    def write_chunk(self, chunk, result: Result) -> None:
        """The chunk's writes; on failure an error in ``result`` and ``failed``, or (with
        ``overlap_writes``, where it may run in another thread) an exception that
        ``write_failed`` reports."""
        raise NotImplementedError

    def write_failed(self, error: Exception, result: Result) -> None:
        """A chunk's write raised ``error`` (in the import's thread, once it is known)."""
        raise error

    def end_import(self, result: Result) -> None:
        """After the last chunk, in the import's transaction."""

    def after_commit(self, result: Result) -> None:
        """After the import's transaction."""


#: The GIL's switch interval while an import's writes overlap its reading (_ChunkWrites).
WRITE_SWITCH_INTERVAL = 0.0005


class _SwitchInterval:
    """WRITE_SWITCH_INTERVAL while at least one import write thread of the process runs: the
    first to start sets it, the last to end sets back what was there before (two imports in
    threads of one process, ending in either order, leave the process as they found it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.kept = 0.0

    def take(self) -> None:
        with self.lock:
            if not self.users:
                self.kept = sys.getswitchinterval()
                sys.setswitchinterval(min(self.kept, WRITE_SWITCH_INTERVAL))
            self.users += 1

    def give_back(self) -> None:
        with self.lock:
            self.users -= 1
            if not self.users:
                sys.setswitchinterval(self.kept)


_switch_interval = _SwitchInterval()


class _ChunkWrites:
    """The writes of an import's chunks (ImportEngine.import_data): each chunk's at once, or
    with ``overlap_writes`` on PostgreSQL in a thread of their own while the import's thread
    reads and checks the next chunk. The server writes on one core while Python reads on the
    other (100,000 changed facilities: 9.4–9.8 s → 6.8–6.9 s; new ones are bound by the
    database's own writes: docs/performance-history.md, "Writing beside reading" and after).

    The write thread uses the import's own connection (so its own transaction: still all or
    nothing), and the two never use it together: a chunk's write starts after the next
    chunk's one read (``fetch_chunk``) and is waited for (``settle``) before the one after
    reads. The thread runs in a copy of the import's context (context variables such as the
    pathway's ``deferred()``), in its language and time zone; the rest of what a request
    sets per thread (simple-history's request) it does not see: bulk writes are given their
    user. A write that raised is reported by ``write_failed`` in the
    import's thread, and nothing more is written; the import's transaction, rolled back at
    its end, takes back what earlier chunks wrote. Leaving the block, however it is left
    (a cancelled job, an error), waits for the write under way before the transaction ends.
    """

    def __init__(self, engine: ImportEngine, result: Result):
        self.engine, self.result = engine, result
        # The database of the import's transaction (import_transaction: the default one).
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.background = engine.overlap_writes and self.connection.vendor == "postgresql"
        self.waiting = None  # the chunk whose write begins at the next start()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> "_ChunkWrites":
        if self.background:
            self.connection.inc_thread_sharing()
            self.connection.execute_wrappers.append(self._one_thread_at_a_time)
        return self

    def _one_thread_at_a_time(self, execute, sql, params, many, context):
        """Refuses a statement from the import's thread while a chunk is being written: the
        connection is the write's until ``settle`` (a read then would run inside the write's
        savepoint, or fail in it). Everything a chunk's checks need is read before: loudly a
        bug, never a race."""
        if self.thread is not None and threading.current_thread() is not self.thread:
            raise RuntimeError("An import read the database while one of its chunks was being written.")
        return execute(sql, params, many, context)

    def add(self, chunk) -> None:
        """``chunk`` is to be written: now, or in the background from the next ``start``."""
        if self.background:
            self.waiting = chunk
        else:
            self._write(chunk)

    def start(self) -> None:
        """The waiting chunk's write, begun in a thread (unless a write failed)."""
        chunk, self.waiting = self.waiting, None
        if chunk is None or self.engine.failed:
            return
        # The language and time zone are asgiref locals, which a copied context does not carry.
        setting = (contextvars.copy_context(), translation.get_language(), timezone.get_current_timezone())
        thread = threading.Thread(target=self._run, args=(*setting, chunk), name="import-write", daemon=True)
        # Each statement of the write ends with the write thread waiting for the GIL, which the
        # import's thread, reading, gives up only every switch interval (5 ms by default): some
        # 300 statements per 100,000 new facilities. A shorter interval while the two overlap
        # (process-wide, set back once the write is joined: _join) lets the write go on sooner.
        _switch_interval.take()
        try:
            thread.start()
        except BaseException:
            _switch_interval.give_back()
            raise
        self.thread = thread  # once started: a thread that could not start is not waited for

    def _join(self) -> None:
        """Waits for the write thread (kept until it has ended), then gives the switch interval back."""
        self.thread.join()
        self.thread = None
        _switch_interval.give_back()

    def settle(self) -> None:
        """Waits for the write under way; reports its failure."""
        if self.thread is None:
            return
        self._join()
        error, self.error = self.error, None
        if isinstance(error, Exception):
            self._failed(error)
        elif error is not None:
            raise error

    def _run(self, context: contextvars.Context, language: str | None, zone: datetime.tzinfo, chunk) -> None:
        connections[DEFAULT_DB_ALIAS] = self.connection
        try:
            context.run(self._write_as, language, zone, chunk)
        except BaseException as error:  # reported in the import's thread (settle)
            self.error = error
        finally:
            del connections[DEFAULT_DB_ALIAS]

    def _write_as(self, language: str | None, zone: datetime.tzinfo, chunk) -> None:
        """``chunk`` written in the import's language and time zone (in the import's context)."""
        with translation.override(language), timezone.override(zone):
            self.engine.write_chunk(chunk, self.result)

    def _write(self, chunk) -> None:
        try:
            self.engine.write_chunk(chunk, self.result)
        except Exception as error:
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        """A chunk's write raised ``error``: no more writes, and the engine reports it."""
        self.engine.failed = True
        self.engine.write_failed(error, self.result)

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self.settle()
                self.start()  # the last chunk's
                self.settle()
        finally:
            try:
                if self.thread is not None:  # left by an exception: the write ends before the transaction
                    self._join()
            finally:  # the connection is the import's alone again, whatever happened
                if self.background:
                    self.connection.execute_wrappers.remove(self._one_thread_at_a_time)
                    self.connection.dec_thread_sharing()


class RecordResource(ImportEngine, resources.Resource):
    """Base of the imports by natural key: the past programme records
    (programmes/resources.py) and the reference tables (units, sectors, areas,
    programmes, phases, targets). A subclass declares its columns as Fields, and:

    - ``model``, the record's model; ``record_fields``, column → field of the
      record; ``key_columns``, the columns of its natural key (among them);
      ``date_column``, the key's date (stored records are preloaded by its range;
      None: every stored record is, for small tables);
    - ``header_aliases``: other names of the columns (normalised, e.g. the
      Vietnamese "ten" → "name"); ``max_rows``: more rows are refused (None: any);
    - ``required_columns`` (must be in the header) and ``record_required``
      (column → message when no row of a record fills it);
    - ``children`` (see Child); ``one_row_per_record`` when a repeated key is a
      mistake rather than more children;
    - ``check_row`` for checks that span cells; ``notes`` for the import page;
      ``template_rows`` for the downloadable template; ``column_labels`` (column →
      its name for people, translated) where the field's verbose name does not say it:
      the template's headers, which the import also reads.
    """

    model: type[Model]
    record_fields: dict[str, str]
    key_columns: tuple[str, ...]
    date_column: str | None = None
    required_columns: tuple[str, ...]
    header_aliases: dict[str, str] = {}
    max_rows: int | None = None
    record_required: dict[str, str] = {}
    children: tuple[Child, ...] = ()
    one_row_per_record = False
    repeated_record = ""  # message for one_row_per_record, with %(row)d
    notes: tuple[str, ...] = ()
    template_rows: tuple[dict[str, object], ...] = ()
    column_labels: dict[str, str] = {}

    @classmethod
    def get_result_class(cls) -> type[RecordResult]:
        return RecordResult

    @classmethod
    def get_display_name(cls) -> str:
        return getattr(cls._meta, "name", None) or cls.__name__

    @classmethod
    def columns(cls) -> list[str]:
        return [f.column_name for f in cls.fields.values()]

    @classmethod
    def written_models(cls) -> list[type[Model]]:
        return [cls.model, *(child.model for child in cls.children)]

    @classmethod
    def import_permissions(cls) -> tuple[str, ...]:
        """What importing asks, beside import-export's "import_<model>": adding and changing
        every model the import writes (it also updates records it finds again)."""
        return tuple(
            f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"
            for model in cls.written_models()
            for action in ("add", "change")
        )

    @classmethod
    def template_dataset(cls) -> tablib.Dataset:
        """The header row and example rows, for the downloadable CSV template."""
        columns = cls.columns()
        rows = [[row.get(c, "") for c in columns] for row in cls.template_rows]
        return tablib.Dataset(*rows, headers=columns)

    @classmethod
    def column_label(cls, column: str) -> str:
        """The column's name for people, in the current language: ``column_labels``, else
        the verbose name of the record's field, else the column's own name."""
        label = {**COMMON_LABELS, **cls.column_labels}.get(column)
        fields = [(cls.model, cls.record_fields)] + [(child.model, child.fields) for child in cls.children]
        for model, names in fields:
            if label is None and column in names:
                try:
                    label = model._meta.get_field(names[column]).verbose_name
                except FieldDoesNotExist:
                    label = None
        return capfirst(str(label)) if label else column

    @classmethod
    def label_headers(cls) -> dict[str, str]:
        """Normalised header → column for every column's label in every language of the site."""
        return label_headers(cls.columns(), cls.column_label)

    @classmethod
    def read_headers(cls, headers: Sequence[object]) -> list[str]:
        """The columns a file's header row names: its names normalised, then each read as
        a column, an alias (``header_aliases``) or a column's label in any language."""
        columns, labels = set(cls.columns()), cls.label_headers()
        names = [normalize_header(h) for h in headers]
        return [cls.header_aliases.get(h) or (h if h in columns else labels.get(h, h)) for h in names]

    @classmethod
    def template_columns(cls) -> list[TemplateColumn]:
        """The template's columns, in the current language."""
        return [
            template_column(name, field.widget, cls.column_label(name), name in cls.required_columns)
            for name, field in ((f.column_name, f) for f in cls.fields.values())
        ]

    @classmethod
    def template_xlsx(cls) -> bytes:
        """The downloadable template as a workbook (cpdash.import_templates), in the current language."""
        columns = cls.template_columns()
        widgets_of = {f.column_name: f.widget for f in cls.fields.values()}
        rows = [
            [example_value(example_label(widgets_of[c.name], row.get(c.name, "")), c) for c in columns]
            for row in cls.template_rows
        ]
        return template_workbook(cls.get_display_name(), columns, rows, cls.notes)

    # --- the import -----------------------------------------------------------

    def import_transaction(self, dry_run: bool) -> contextlib.AbstractContextManager:
        """A dry run reads outside any transaction. A confirm runs in one transaction that holds
        the lock of this kind of import (cpdash.database.lock_imports_of, taken in match_chunk)
        from before it reads the stored records until it ends: imports of the same file
        confirmed at once run one after the other, and the later ones find what the first
        wrote (docs/import.md)."""
        if dry_run:
            return contextlib.nullcontext()
        return transaction.atomic(using=router.db_for_write(self.model), savepoint=False)

    def begin_import(self, dataset: tablib.Dataset, result: "RecordResult", **kwargs) -> list[str] | None:
        self._user = kwargs.get("user")  # import-export passes the admin's user; None from a command
        self._history = kwargs.get("history", True)  # False: no history entries (load_demo's data)
        self._keep_every_row = self.keep_every_row(**kwargs)
        self._written: RecordChunk | None = None
        result.diff_headers = self.columns()
        headers = self.read_headers(dataset.headers or [])
        problem = header_problem(headers, self.required_columns, self.columns())
        if not problem and self.max_rows is not None and len(dataset) > self.max_rows:
            problem = gettext(
                "This import takes at most %(limit)d rows; the file has %(rows)d. Split it and import each part."
            ) % {"limit": self.max_rows, "rows": len(dataset)}
        if problem:
            result.append_base_error(Error(ValueError(problem)))
            return None
        self.present = set(headers)
        self._stored_children: dict[type[Model], dict[tuple, Model]] = {}
        return headers

    def read_chunk(self, rows: list[tuple[int, Sequence[object]]]) -> "RecordChunk":
        """The rows' cells read, column by column, and each row checked (the whole file: records
        span rows)."""
        headers = self.headers
        chunk = RecordChunk([ImportRow(number, dict(zip(headers, values, strict=False))) for number, values in rows])
        chunk.filled = filled = [row for row in chunk.rows if any(cell_text(v) for v in row.cells.values())]
        self._load_lookups(filled)
        self.checked(len(chunk.rows) - len(filled))  # blank rows, read too
        self._read_columns(filled)
        for row in filled:
            self._read_cells(row)
            self.check_row(row)
            self.checked()
        return chunk

    def match_chunk(self, chunk: "RecordChunk") -> None:
        """Rows grouped into records by key; a confirm's lock, then the stored records and
        their children; each record's values, status and children."""
        self._phase(gettext("Finishing: matching the stored records"))
        chunk.records = records = self._group(chunk.filled)
        if not self.dry_run:
            lock_imports_of(self.model, using=router.db_for_write(self.model))
        self._match_stored(records)
        chunk.pending = pending = {child.model: PendingChildren() for child in self.children}
        for record in records:
            self._resolve(record, pending)
        self.after_resolve(records)

    def keep_rows(self, chunk: "RecordChunk", result: "RecordResult") -> None:
        """Every row in the totals; with its problems if it has any; every row, blank ones too,
        with its diff for the admin's preview (``keep_every_row``)."""
        for row in chunk.rows:
            self._add_row_result(result, row)
        self.failed = self.failed or result.has_validation_errors()

    def write_chunk(self, chunk: "RecordChunk", result: "RecordResult") -> None:
        self._phase(gettext("Finishing: saving the records and the pathway"))
        try:
            self.write(chunk.records, chunk.pending)
        except IntegrityError:
            # A natural key (or a detail's key) stored meanwhile by a writer that holds no
            # import lock: a staff form, the admin, or an import on SQLite.
            message = gettext(
                "Some of these records were saved by someone else while this import ran, so nothing was "
                "written. Upload the file again: the records stored now will be found and not duplicated."
            )
            result.append_base_error(Error(ValueError(message)))
            self.failed = True
            return
        except DatabaseError as error:
            message = gettext("The database refused the import, so nothing was written: %(error)s")
            result.append_base_error(Error(ValueError(message % {"error": error})))
            self.failed = True
            return
        self._written = chunk

    def end_import(self, result: "RecordResult") -> None:
        """After a write: ANALYZE (in the transaction, as the write) and the records added and changed."""
        chunk = self._written
        if chunk is None:
            return
        # A large file: fresh planner statistics for what it wrote (cpdash.database).
        self._phase(gettext("Finishing: updating the database statistics"))
        analyze_bulk(len(chunk.filled), *self.analyzed_models())
        result.added = [r.obj for r in chunk.records if r.status == NEW]
        result.changed = [r.obj for r in chunk.records if r.status != NEW and (r.changed or r.children_touched)]

    def check_row(self, row: ImportRow) -> None:
        """Checks that span cells; adds errors to ``row``."""

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        """Fills the indexes of the widgets that name stored records (a query each), before
        any cell is read: nothing here; the subclasses know their lookups."""

    def record_key(self, row: ImportRow) -> tuple | None:
        """The natural key of ``row``'s record; None when a key cell could not be read.
        Key columns a file leaves out are empty (a target with no sector)."""
        if not row.read(*(c for c in self.key_columns if c in self.present)):
            return None
        return tuple(_key_part(row.values.get(c)) for c in self.key_columns)

    def stored_records(self, records: list[ImportRecord]) -> Iterable[Model]:
        """The stored records the file's may match: those in the file's date range, or all."""
        if self.date_column is None:
            return self.model.objects.order_by()
        days = [record.rows[0].values[self.date_column] for record in records]
        date_field = self.record_fields[self.date_column]
        return self.model.objects.order_by().filter(**{f"{date_field}__range": (min(days), max(days))})

    def kept_fields(self, record: ImportRecord) -> set[str]:
        """Fields of a stored record that the file does not change when it matches: its key,
        which keeps its stored spelling (title, name…)."""
        return {self.record_fields[c] for c in self.key_columns}

    def after_resolve(self, records: list[ImportRecord]) -> None:
        """Checks and values that span records (references between rows of the file)."""

    def write(self, records: list[ImportRecord], pending: dict[type[Model], PendingChildren]) -> None:
        """Writes what the file adds and changes, in the caller's transaction."""
        self._write(records, pending)

    def analyzed_models(self) -> list[type[Model]]:
        """The tables a large import refreshes the planner statistics of."""
        return with_history(self.written_models())

    def _read_columns(self, rows: list[ImportRow]) -> None:
        """Every cell of ``rows`` read by its column's widget, column by column, each distinct
        cell once (read_column): into each row's values, or a problem of its column."""
        for column_field in self.fields.values():
            column = column_field.column_name
            if column not in self.present:
                continue
            readings = read_column(column_field.widget, [row.cells.get(column) for row in rows])
            for row, (value, message) in zip(rows, readings, strict=True):
                if message is None:
                    row.values[column] = value
                else:
                    row.add_error(column, message)

    def _read_cells(self, row: ImportRow) -> None:
        """What a row's cells say beyond each cell alone (its cells are read: _read_columns)."""

    def _group(self, rows: list[ImportRow]) -> list[ImportRecord]:
        """Records by natural key, in file order; rows whose key cannot be read
        belong to none."""
        records: dict[tuple, ImportRecord] = {}
        for row in rows:
            key = self.record_key(row)
            if key is None:
                continue
            if self.one_row_per_record:
                first = self.first_row(key, row.number)
                if first != row.number:
                    row.add_error("", self.repeated_record % {"row": file_row(first)})
                    continue
            record = records.get(key)
            if record is None:
                records[key] = record = ImportRecord(key, [])
            record.rows.append(row)
            row.record = record
        return list(records.values())

    def _match_stored(self, records: list[ImportRecord]) -> None:
        """Finds each record's stored twin: one query over the file's date range."""
        if not records:
            return
        stored: dict[tuple, list[Model]] = {}
        for obj in self.stored_records(records):
            key = tuple(_key_part(_stored(obj, self.record_fields[c])) for c in self.key_columns)
            stored.setdefault(key, []).append(obj)
        for record in records:
            matches = stored.get(record.key, [])
            if len(matches) > 1:
                record.rows[0].add_error(
                    "",
                    gettext("%(count)d stored %(records)s match this row: merge them in the admin first.")
                    % {"count": len(matches), "records": self.model._meta.verbose_name_plural},
                )
            elif matches:
                record.obj = matches[0]
        if self.children:
            days = [record.rows[0].values[self.date_column] for record in records]
            self._stored_children = self._load_children([r.obj for r in records if r.obj is not None], days)

    def _load_children(self, parents: list[Model], days: list) -> dict[type[Model], dict[tuple, Model]]:
        """Stored children of ``parents``, by (parent id, child key): one query per kind."""
        found: dict[type[Model], dict[tuple, Model]] = {child.model: {} for child in self.children}
        if not parents:
            return found
        ids = {parent.pk for parent in parents}
        date_field = self.record_fields[self.date_column]
        for child in self.children:
            link_id = child.model._meta.get_field(child.link).attname
            query = {f"{child.link}__{date_field}__range": (min(days), max(days))}
            for obj in child.model.objects.order_by().filter(**query):
                if getattr(obj, link_id) in ids:
                    key = tuple(_key_part(_stored(obj, child.fields[c])) for c in child.key_columns)
                    found[child.model][(getattr(obj, link_id), key)] = obj
        return found

    def _resolve(self, record: ImportRecord, pending: dict[type[Model], PendingChildren]) -> None:
        """The record's values from its rows, what changes, and its children."""
        values = {}
        for column in self.key_columns:
            name, value = self.record_fields[column], record.rows[0].values.get(column)
            values[name] = _empty(self.model, name) if value is None or value == "" else value
        for column, name in self.record_fields.items():
            if column in self.key_columns or column not in self.present:
                continue
            values[name] = self._record_value(record, column, name)
        if record.obj is None:
            record.obj = self.model()
            record.status = NEW
            _apply(record.obj, values)
        else:
            # The key matched: keep the stored spelling of its cells (title, name…).
            keys = self.kept_fields(record)
            record.changed = _apply(record.obj, {k: v for k, v in values.items() if k not in keys})
            record.status = UPDATE if record.changed else SKIP
            if isinstance(record.obj, Searchable) and record.changed & set(record.obj.SEARCH_SOURCE):
                record.obj.refresh_search_text()
                record.changed.add("search_text")
        for index, row in enumerate(record.rows):
            statuses = {record.status if index == 0 else SKIP}
            for child in self.children:
                statuses.add(self._resolve_child(record, row, child, pending[child.model]))
            row.status = NEW if NEW in statuses else UPDATE if UPDATE in statuses else SKIP

    def _record_value(self, record: ImportRecord, column: str, name: str) -> object:
        """The one value the record's rows give for ``column`` (empty cells give
        none); a different value in a later row is an error on that row."""
        chosen: tuple[object, ImportRow] | None = None
        for row in record.rows:
            value = row.values.get(column)
            if value is None or value == "":
                continue
            if chosen is None:
                chosen = (value, row)
            elif _plain(value) != _plain(chosen[0]):
                row.add_error(
                    column,
                    gettext(
                        "Row %(row)d gives “%(value)s” for the same %(record)s: repeat that value or leave "
                        "this cell empty."
                    )
                    % {
                        "row": file_row(chosen[1].number),
                        "value": self.fields[column].widget.render(chosen[0]),
                        "record": self.model._meta.verbose_name,
                    },
                )
        if chosen is not None:
            return chosen[0]
        if column in self.record_required and not any(column in row.errors for row in record.rows):
            record.rows[0].add_error(column, self.record_required[column])
        return _empty(self.model, name)

    def _resolve_child(self, record: ImportRecord, row: ImportRow, child: Child, pending: PendingChildren) -> str:
        """The status of the ``child`` this row carries (SKIP when none)."""
        columns = [c for c in child.fields if c in self.present]
        if not any(row.filled(c) for c in columns):
            return SKIP
        missing = [c for c in child.required if not row.filled(c) and c not in row.errors]
        for column in missing:
            row.add_error(column, child.required[column])
        if missing or not row.read(*columns):
            return SKIP
        key = tuple(_key_part(row.values.get(c)) for c in child.key_columns)
        first = record.child_rows.setdefault((child.model, key), row)
        if first is not row:
            value = next(
                (self.fields[c].widget.render(row.values[c]) for c in child.key_columns if row.values.get(c)), ""
            )
            row.add_error(child.key_column, child.repeated % {"row": file_row(first.number), "value": value})
            return SKIP
        values = {name: row.values[c] for c, name in child.fields.items() if c in columns}
        values = {name: _empty(child.model, name) if v is None or v == "" else v for name, v in values.items()}
        stored = None if record.status == NEW else self._stored_children[child.model].get((record.obj.pk, key))
        if stored is None:
            pending.create.append(child.model(**{child.link: record.obj}, **values))
            record.children_touched = True
            return NEW
        changed = _apply(stored, values)
        if not changed:
            return SKIP
        pending.update.append(stored)
        pending.fields |= changed
        record.children_touched = True
        return UPDATE

    def _add_row_result(self, result: Result, row: ImportRow) -> None:
        row_result = self.get_row_result_class()()
        if row.errors:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(row.errors)
            result.append_invalid_row(row.number, row.cells, row_result.validation_error)
        else:
            row_result.import_type = row.status
            if self._keep_every_row:
                row_result.diff = [
                    preview_cell(f.widget, row.values.get(f.column_name)) if f.column_name in row.values else ""
                    for f in self.fields.values()
                ]
                if row.record is not None:
                    row_result.instance = row.record.obj
        result.increment_row_result_total(row_result)
        if row.errors or self._keep_every_row:  # a valid row otherwise counted, not kept
            result.append_row_result(row_result)

    def _write(self, records: list[ImportRecord], pending: dict[type[Model], PendingChildren]) -> None:
        """Bulk writes: new records, changed records, then each kind of child."""
        new = [r.obj for r in records if r.status == NEW]
        for obj in new:
            if isinstance(obj, Searchable):
                obj.refresh_search_text()  # bulk_create skips Searchable.save()
        create_with_history(new, self.model, self._user, history=self._history)
        changed = [r for r in records if r.status == UPDATE]
        if changed:
            fields = sorted(set().union(*(r.changed for r in changed)))
            update_with_history([r.obj for r in changed], self.model, fields, self._user, history=self._history)
        for model, children in pending.items():
            create_with_history(children.create, model, self._user, history=self._history)
            update_with_history(children.update, model, sorted(children.fields), self._user, history=self._history)
