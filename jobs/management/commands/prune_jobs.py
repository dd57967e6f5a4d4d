"""``manage.py prune_jobs [--days N]``: deletes finished jobs older than N days (default 30)
with their files (upload, result), and the queue's finished tasks of the same age."""

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import Job


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Delete finished background jobs older than --days days, with their files.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help=_("Age in days (default 30)."))

    def handle(self, *args, days: int, **options) -> None:
        cutoff = timezone.now() - datetime.timedelta(days=days)
        old = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff)
        count = 0
        for job in old.iterator():
            job.delete_files()
            job.delete()
            count += 1
        call_command("prune_db_task_results", min_age_days=days, verbosity=0)
        self.stdout.write(_("%(count)d finished jobs deleted.") % {"count": count})
