"""python manage.py indicators --as-of YYYY-MM-DD [--programme SLUG] [--by …] [--format table|json|csv] [--explain]"""

import csv
import datetime
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpdash import dates
from programmes.models import Programme
from targets import payloads, selectors
from targets.arithmetic import round1
from targets.models import Target


class Command(BaseCommand):
    help = "Where every target of a programme stands as of a date (definitions: docs/indicators.md)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = _(
            "Where every target of a programme stands as of a date (definitions: docs/indicators.md)."
        )
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help=gettext_lazy("Date YYYY-MM-DD or DD/MM/YYYY (default: today)."))
        parser.add_argument("--programme", help=gettext_lazy("Programme slug (default: the one running on the date)."))
        parser.add_argument("--by", choices=list(selectors.BREAKDOWNS), help=gettext_lazy("Break every target down."))
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument(
            "--from",
            dest="outputs_from",
            help=gettext_lazy("Also report outputs from this date YYYY-MM-DD or DD/MM/YYYY."),
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help=gettext_lazy("List the facilities (or units) behind every numerator."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = self._date(options["as_of"], "--as-of") or timezone.localdate()
        outputs_from = self._date(options["outputs_from"], "--from")
        programme = self._programme(options["programme"], as_of)
        payload = payloads.indicators_report(
            programme=programme, as_of=as_of, by=options["by"], outputs_from=outputs_from
        )
        explained = self._explain(programme, as_of) if options["explain"] else {}
        if options["format"] == "json":
            for row in payload["targets"]:
                if explained:
                    row["behind"] = explained[row["target_id"]]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        elif options["format"] == "csv":
            self._csv(payload, explained)
        else:
            self._table(payload, explained)

    def _date(self, value: str | None, name: str) -> datetime.date | None:
        if not value:
            return None
        try:
            # ISO in its messages, as the API's (and as this command prints its dates).
            return dates.parse_as_of(value, today=timezone.localdate(), format_day=datetime.date.isoformat)
        except ValidationError as exc:
            raise CommandError(dates.named_message(exc, name)) from exc

    def _programme(self, slug: str | None, as_of: datetime.date) -> Programme | None:
        if not slug:
            return selectors.default_programme(as_of)
        # A NUL byte never matches a slug, and PostgreSQL refuses it in a query.
        programme = Programme.objects.filter(slug=slug).first() if "\x00" not in slug else None
        if programme is None:
            raise CommandError(_("Unknown programme “%(slug)s”.") % {"slug": slug})
        return programme

    def _explain(self, programme: Programme | None, as_of: datetime.date) -> dict[int, list[dict]]:
        """Per target id, the records behind its numerator: 1 query per target (tracing is a listing)."""
        if programme is None:
            return {}
        targets: list[Target] = list(selectors.programme_targets(programme))
        return {
            target.pk: [
                payloads.describe_record(record, target, as_of)
                for record in selectors.records_behind(target=target, as_of=as_of)
            ]
            for target in targets
        }

    # --- output formats ------------------------------------------------------------------------

    def _table(self, payload: dict, explained: dict[int, list[dict]]) -> None:
        programme = payload["programme"]["name"] if payload["programme"] else _("no programme")
        self.stdout.write(_("%(programme)s, as of %(as_of)s") % {"programme": programme, "as_of": payload["as_of"]})
        headers = [
            _("indicator"),
            _("value"),
            _("count"),
            _("target"),
            _("deadline"),
            _("expected"),
            _("status"),
            _("projected"),
            _("still needed"),
            _("needed/month"),
            _("current/month"),
        ]
        rows = []
        for t in payload["targets"]:
            label = f"{t['label']} ({t['scope']})" if t["scope"] else t["label"]
            target = _fmt(t["target_min"]) + (f"–{_fmt(t['target_max'])}" if t["target_max"] is not None else "")
            rows.append(
                [
                    label,
                    _fmt(t["value"]),
                    f"{t['numerator']}/{t['denominator']}",
                    target,
                    t["deadline"],
                    _fmt(t["expected_now"]),
                    t["status_label"],
                    _fmt(t["projected_at_deadline"]),
                    str(t["needed_facilities"]),
                    _fmt(t["needed_per_month"]),
                    _fmt(t["current_per_month"]),
                ]
            )
            for b in t["breakdown"] or []:
                rows.append(["    " + b["label"], _fmt(b["value"]), f"{b['numerator']}/{b['denominator']}"])
        self._write_table(headers, rows)
        c = payload["completeness"]
        self.stdout.write(
            _("Never reached: %(n)s of %(total)s facilities (%(percent)s%%); never surveyed: %(s)s.")
            % {
                "n": c["never_reached"],
                "total": c["facilities"],
                "percent": _fmt(c["never_reached_percent"]),
                "s": c["never_surveyed"],
            }
        )
        if payload["outputs"]:
            self.stdout.write(_("Outputs:") + " " + ", ".join(f"{k}={v}" for k, v in payload["outputs"].items()))
        for t in payload["targets"]:
            if t["target_id"] in explained:
                self.stdout.write("")
                self.stdout.write(_("Behind “%(label)s”:") % {"label": t["label"]})
                for record in explained[t["target_id"]]:
                    self.stdout.write("  " + "  ".join(_fmt_record(record)))

    def _write_table(self, headers: list[str], rows: list[list[str]]) -> None:
        widths = [max(len(str(row[i])) for row in [headers, *rows] if i < len(row)) for i in range(len(headers))]
        for row in [headers, *rows]:
            self.stdout.write("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())

    def _csv(self, payload: dict, explained: dict[int, list[dict]]) -> None:
        """One row per target; breakdown rows follow their target with ``group`` set."""
        columns = [
            "target_id",
            "indicator",
            "label",
            "scope",
            "group",
            "value",
            "numerator",
            "denominator",
            "target_min",
            "target_max",
            "deadline",
            "baseline",
            "baseline_on",
            "expected_now",
            "status",
            "value_year_ago",
            "projected_at_deadline",
            "needed_facilities",
            "needed_per_month",
            "current_per_month",
            "q1",
            "q3",
            "share_reaching",
        ]
        writer = csv.DictWriter(self.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for t in payload["targets"]:
            writer.writerow({**t, "group": ""})
            for b in t["breakdown"] or []:
                writer.writerow(
                    {
                        "target_id": t["target_id"],
                        "indicator": t["indicator"],
                        "label": t["label"],
                        "scope": t["scope"],
                        "group": b["label"],
                        "value": b["value"],
                        "numerator": b["numerator"],
                        "denominator": b["denominator"],
                    }
                )
        if explained:
            record_writer = csv.writer(self.stdout, lineterminator="\n")
            record_writer.writerow([])
            record_writer.writerow(["target_id", "id", "code", "name", "since", "evidence"])
            for target_id, records in explained.items():
                for r in records:
                    evidence = r.get("evidence") or r.get("saving") or r.get("specialist") or ""
                    record_writer.writerow(
                        [target_id, r["id"], r.get("code", ""), r["name"], r.get("since", ""), _flat(evidence)]
                    )


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _flat(evidence: Any) -> str:
    if isinstance(evidence, dict):
        return "; ".join(f"{name} {day}" for name, day in evidence.items())
    return str(evidence)


def _fmt_record(record: dict) -> list[str]:
    parts = [record.get("code", ""), record["name"]]
    if "since" in record:
        parts.append(_("since %(day)s") % {"day": record["since"]})
    if record.get("evidence"):
        parts.append(_flat(record["evidence"]))
    if record.get("saving") is not None:
        parts.append(_("saving %(saving)s%%") % {"saving": _fmt(round1(record["saving"]))})
    if record.get("specialist"):
        parts.append(record["specialist"])
    return [p for p in parts if p]
