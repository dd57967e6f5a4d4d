"""``manage.py import_facilities FILE [--dry-run]``: the admin's facility import
(same FacilityResource, same all-or-nothing rule) from the command line."""

import time
from pathlib import Path

import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from import_export.results import Result, RowResult
from tqdm import tqdm

from cpdash.imports import CSVRows
from facilities.models import changes_text
from facilities.resources import FORMATS_BY_EXTENSION, FacilityFileError, FacilityResource, row_problems


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse rejects lazy strings, and this translates at run time
        return _("Import a facility list (.csv or .xlsx). Nothing is written unless every row is valid.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("A .csv (UTF-8) or .xlsx file; see docs/import.md."))
        parser.add_argument("--dry-run", action="store_true", help=_("Check the file and report; write nothing."))

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        dataset = read_dataset(file)
        started = time.perf_counter()
        # tqdm writes to the terminal's stderr and turns itself off when that is not a terminal.
        with tqdm(total=len(dataset), unit=_("row"), disable=None, leave=False) as bar:
            resource = FacilityResource(progress=bar.update, html_diff=False)
            result = resource.import_data(dataset, dry_run=dry_run, file_name=file.name)
        seconds = time.perf_counter() - started
        problems = row_problems(result)
        count = len(problems)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(
                ngettext("%(count)d problem: nothing was imported.", "%(count)d problems: nothing was imported.", count)
                % {"count": count}
            )
        self.stdout.write(summary(result, dry_run, seconds))


def read_dataset(file: Path) -> tablib.Dataset | CSVRows:
    """The rows of ``file``, read by its extension; CommandError if unreadable."""
    suffix = file.suffix.lower()
    format_class = FORMATS_BY_EXTENSION.get(suffix)
    if format_class is None:
        raise CommandError(_("Unsupported file type “%(suffix)s”: use .csv or .xlsx.") % {"suffix": file.suffix})
    try:
        # A CSV is read as FacilityResource reads it, once, in order: its rows are parsed
        # then, not held (a file of 10⁶ rows would otherwise take gigabytes).
        dataset = CSVRows(file.read_bytes()) if suffix == ".csv" else format_class().create_dataset(file.read_bytes())
    except OSError as error:
        raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}) from error
    except FacilityFileError as error:
        raise CommandError(str(error)) from error
    if not len(dataset):
        raise CommandError(_("The file has no facility rows under its header."))
    return dataset


def summary(result: Result, dry_run: bool, seconds: float) -> str:
    """The rows written, then what changed in the register (facilities.models.Change)."""
    return "\n".join((_rows_line(result, dry_run, seconds), changes_line(result)))


def changes_line(result: Result) -> str:
    """ "Register version N: 3 new, 0 reopened, …" (a dry run: "Register changes: …")."""
    kinds = changes_text(result.register_changes)
    version = result.register_version
    if version is None:
        return _("Register changes: %(kinds)s.") % {"kinds": kinds}
    return _("Register version %(number)d: %(kinds)s.") % {"number": version.number, "kinds": kinds}


def _rows_line(result: Result, dry_run: bool, seconds: float) -> str:
    counts = {
        "new": result.totals[RowResult.IMPORT_TYPE_NEW],
        "updated": result.totals[RowResult.IMPORT_TYPE_UPDATE],
        "skipped": result.totals[RowResult.IMPORT_TYPE_SKIP],
        "seconds": seconds,
    }
    if dry_run:
        return (
            _(
                "Dry run, nothing written: %(new)d new, %(updated)d to update, "
                "%(skipped)d unchanged or blank (%(seconds).1f s)."
            )
            % counts
        )
    return _("Imported: %(new)d new, %(updated)d updated, %(skipped)d unchanged or blank (%(seconds).1f s).") % counts
