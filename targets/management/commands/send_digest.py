"""python manage.py send_digest [--month YYYY-MM] [--dry-run] | --schedule (docs/digest.md)"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs import periodic
from targets import digest


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse rejects lazy strings, and this translates at run time
        return _("Send the managers' monthly digest of a month (default: the last one) to those who have not had it.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help=gettext_lazy("The month, YYYY-MM (default: the previous month)."))
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Say who would receive it; send nothing.")
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help=gettext_lazy("Only queue the worker's monthly run, unless one is queued already."),
        )

    def handle(self, *args, month: str | None, dry_run: bool, schedule: bool, **options) -> None:
        if schedule:
            self._schedule()
            return
        today = timezone.localdate()
        chosen = self._month(month, today)
        if chosen.last >= today and not dry_run:
            message = _("%(month)s is not over yet: its digest can be sent from %(day)s.")
            raise CommandError(message % {"month": chosen.key, "day": formats.date_format(chosen.next.first)})
        deliveries = digest.send_digests(chosen, dry_run=dry_run)
        for delivery in deliveries:
            self.stdout.write(
                f"{delivery.user.get_username()} <{delivery.user.email}> [{delivery.language}]: "
                f"{_outcome(delivery.outcome)}"
            )
        if not deliveries:
            self.stdout.write(_("No manager with an e-mail address wants the digest."))
        if any(d.outcome == "failed" for d in deliveries):
            raise CommandError(_("Some digests could not be sent (see the log); run the command again to retry them."))

    def _month(self, text: str | None, today) -> digest.Month:
        if not text:
            return digest.Month.of(today).previous
        try:
            return digest.Month.parse(text)
        except ValueError as error:
            raise CommandError(_("--month: write the month as YYYY-MM, e.g. 2026-11.")) from error

    def _schedule(self) -> None:
        queued = digest.start_schedule()
        waiting = periodic.waiting(digest.send_monthly_digest)
        when = formats.date_format(timezone.localtime(waiting.run_after), "SHORT_DATETIME_FORMAT") if waiting else "—"
        if queued:
            self.stdout.write(_("The monthly digest is scheduled: the worker runs it from %(when)s.") % {"when": when})
        else:
            self.stdout.write(_("The monthly digest was already scheduled: next run from %(when)s.") % {"when": when})


def _outcome(outcome: str) -> str:
    return {
        "sent": _("sent"),
        "already sent": _("already sent this month: not sent again"),
        "would send": _("would be sent (dry run: nothing sent)"),
        "failed": _("failed (see the log)"),
    }[outcome]
