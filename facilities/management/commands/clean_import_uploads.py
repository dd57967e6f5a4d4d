"""``manage.py clean_import_uploads [--max-age SECONDS]``: deletes the admin
imports' uploads that were previewed and never confirmed (cpdash.uploads). Each
new upload does the same; run this from cron where imports are rare."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpdash.uploads import remove_stale_uploads, upload_folder


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse rejects lazy strings, and this translates at run time
        return _("Delete the import uploads that were previewed and never confirmed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help=_("Delete uploads older than this many seconds (default: IMPORT_UPLOAD_MAX_AGE)."),
        )

    def handle(self, *args, max_age: int | None, **options) -> None:
        max_age = settings.IMPORT_UPLOAD_MAX_AGE if max_age is None else max_age
        count = remove_stale_uploads(max_age)
        self.stdout.write(
            ngettext(
                "%(count)d upload older than %(seconds)d s deleted from %(folder)s.",
                "%(count)d uploads older than %(seconds)d s deleted from %(folder)s.",
                count,
            )
            % {"count": count, "seconds": max_age, "folder": upload_folder()}
        )
