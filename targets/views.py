"""The indicators as JSON (API) and as the managers' dashboard (HTML). Thin: read
parameters, call a selector, render; 400 with a clear message for bad parameters."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cpdash import dates
from cpdash.exports import xlsx_bytes
from cpdash.routers import reads_from_replica
from cpdash.tables import sort
from cpdash.text import is_ascii_digits
from facilities.models import RegisterVersion
from programmes import recent
from programmes.models import Programme
from targets import annual_report, dashboard, editions, exports, maps, payloads, selectors
from targets.forms import DashboardForm
from targets.models import Letterhead, ReportEdition, Target
from targets.tables import UnitsTable

#: Records listed by the "behind" endpoint per page, by default and at most.
BEHIND_PAGE = 500
BEHIND_PAGE_MAX = 5000


# --- Home: what each role needs first ------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A manager (who may view targets) sees the current phase's summary as of today and the
    dashboard's links; staff (who may record) their last records and a button to record; an
    admin the import and target links. A user with several roles sees each part."""
    user = request.user
    context: dict = {}
    if user.has_perm("targets.view_target"):
        context["phase"], context["summary"] = dashboard.home_summary(timezone.localdate())
        context["small_sample"] = dashboard.SMALL_SAMPLE
    if user.has_perm("programmes.add_survey") or user.has_perm("programmes.add_outreachactivity"):
        context["recent"] = recent.recent_records(user=user)
    return render(request, "home.html", context)


class _BadParameter(Exception):
    """A query parameter the endpoint cannot use; the message is for the user."""


def _json(payload: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


def _date(request: HttpRequest, name: str, default: datetime.date | None) -> datetime.date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return default
    try:
        # The API's messages quote dates as its callers write them: ISO (the pages' forms say 31/12/2015).
        return dates.parse_as_of(value, today=timezone.localdate(), format_day=datetime.date.isoformat)
    except ValidationError as exc:
        raise _BadParameter(dates.named_message(exc, name)) from exc


def _choice(request: HttpRequest, name: str, choices) -> str | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if value not in choices:
        raise _BadParameter(
            _("Unknown %(name)s “%(value)s”: use one of %(choices)s.")
            % {"name": name, "value": value, "choices": ", ".join(choices)}
        )
    return value


def _programme(request: HttpRequest, as_of: datetime.date) -> Programme | None:
    slug = request.GET.get("programme", "").strip()
    if not slug:
        return selectors.default_programme(as_of)
    # A NUL byte never matches a slug, and PostgreSQL refuses it in a query.
    programme = Programme.objects.filter(slug=slug).first() if "\x00" not in slug else None
    if programme is None:
        raise _BadParameter(_("Unknown programme “%(slug)s”.") % {"slug": slug})
    return programme


def _int(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    value = request.GET.get(name, "").strip()
    if not value:
        return default
    if not is_ascii_digits(value):
        raise _BadParameter(_("%(name)s must be a whole number.") % {"name": name})
    return min(int(value), maximum)


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def indicators(request: HttpRequest) -> JsonResponse:
    """GET /api/indicators.json?as_of=YYYY-MM-DD&programme=SLUG&by=sector|unit|area_type|kind&from=YYYY-MM-DD

    Every target of the programme as of the date (default today; programme
    default: the one running then), data completeness, and outputs from
    ``from`` to ``as_of`` when given. Shape: payloads.indicators_report().
    """
    try:
        as_of = _date(request, "as_of", timezone.localdate())
        programme = _programme(request, as_of)
        by = _choice(request, "by", selectors.BREAKDOWNS)
        outputs_from = _date(request, "from", None)
    except _BadParameter as exc:
        return _json(payloads.error(str(exc)), status=400)
    return _json(payloads.indicators_report(programme=programme, as_of=as_of, by=by, outputs_from=outputs_from))


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def series(request: HttpRequest) -> JsonResponse:
    """GET /api/indicators/series.json?as_of=…&programme=…&freq=month|quarter|year

    {"as_of", "freq", "targets": [{"target_id", "indicator", "label", "scope",
    "points": [{"day", "numerator", "denominator", "value"}, …]}]}, each series
    from the target's baseline to ``as_of``.
    """
    try:
        as_of = _date(request, "as_of", timezone.localdate())
        programme = _programme(request, as_of)
        freq = _choice(request, "freq", selectors.FREQUENCIES) or "month"
        targets = list(selectors.programme_targets(programme)) if programme else []
        points = selectors.series_for_targets(targets=targets, as_of=as_of, freq=freq)
    except ValueError:
        return _json(payloads.error(_("Too many periods: choose a longer period or a later date.")), status=400)
    except _BadParameter as exc:
        return _json(payloads.error(str(exc)), status=400)
    return _json(
        {
            "as_of": as_of.isoformat(),
            "freq": freq,
            "targets": [
                {
                    "target_id": target.pk,
                    "indicator": target.indicator,
                    "label": str(target.get_indicator_display()),
                    "scope": target.scope_label(),
                    "points": [point.as_dict() for point in points[target.pk]],
                }
                for target in targets
            ],
        }
    )


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def behind(request: HttpRequest, pk: int) -> JsonResponse:
    """GET /api/targets/<id>/behind.json?as_of=…&denominator=1&limit=…&offset=…

    The facilities (units for specialist coverage) in the target's numerator
    (its denominator with ``denominator=1``) as of the date: {"target_id",
    "as_of", "count", "results": [payloads.describe_record(), …]}, by code.
    """
    target = get_object_or_404(Target.objects.select_related("phase"), pk=pk)
    try:
        as_of = _date(request, "as_of", timezone.localdate())
        limit = _int(request, "limit", BEHIND_PAGE, BEHIND_PAGE_MAX)
        offset = _int(request, "offset", 0, 10**9)
    except _BadParameter as exc:
        return _json(payloads.error(str(exc)), status=400)
    records = selectors.records_behind(target=target, as_of=as_of, denominator=request.GET.get("denominator") == "1")
    return _json(
        {
            "target_id": target.pk,
            "as_of": as_of.isoformat(),
            "count": records.count(),
            "results": [payloads.describe_record(r, target, as_of) for r in records[offset : offset + limit]],
        }
    )


# --- The managers' dashboard (HTML) and its exports -------------------------------------------------


def _dashboard_filters(request: HttpRequest) -> tuple[DashboardForm, dict]:
    """The filter form and, when valid, {"phase", "as_of", "scope", "compare"} ("phase" None
    when none exists, "compare" None when no date to compare with is asked)."""
    form = DashboardForm(request.GET)
    if not form.is_valid():
        return form, {}
    phase, as_of = form.chosen_phase(), form.chosen_as_of()
    form.show_chosen(phase, as_of)
    return form, {"phase": phase, "as_of": as_of, "scope": form.scope(), "compare": form.chosen_compare()}


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Every target of a phase against where the city stands as of a date."""
    form, filters = _dashboard_filters(request)
    query = request.GET.copy()
    query.pop("focus", None)
    context = {"form": form, "phase": None, "query_without_focus": query.urlencode(), **filters}
    if filters.get("as_of"):
        context["year_earlier_query"] = dashboard.year_earlier_query(request.GET, filters["as_of"])
        unit = filters["scope"].unit
        # A unit chosen on a day it did not exist (a district after the 2025 reform): said, with
        # the units that followed it, rather than left to read as a unit with no facility.
        context["unit_not_valid"] = unit.not_valid_reason(filters["as_of"]) if unit else None
    # The facilities counted are the register as it stands now: its latest version.
    context["register_version"] = RegisterVersion.objects.as_of(timezone.now())
    if filters.get("phase"):
        data = dashboard.dashboard_data(**filters, focus_id=form.cleaned_data["focus"], language=get_language())
        context.update(data, scope_label=filters["scope"].label())
        if data.get("cards"):
            context.update(_map_context(request, form, filters, data))
        if "units" in data:
            context["units_table"] = UnitsTable(
                data["units"], as_of=filters["as_of"], scope_query=filters["scope"].query()
            )
            sort(context["units_table"], request)
    return render(request, "targets/dashboard.html", context, status=200 if form.is_valid() else 400)


def _map_context(request: HttpRequest, form: DashboardForm, filters: dict, data: dict) -> dict:
    """The map of units (targets/maps.py): the target chosen by ``?map=``, compared with the
    ``compare`` date when one is given; ``data``: the dashboard's (its targets, and its focus
    target's rows by unit, which the map of that target reuses)."""
    query = request.GET.copy()
    query.pop("map", None)
    context = maps.dashboard_map(
        targets=data["targets"],
        scope=filters["scope"],
        as_of=filters["as_of"],
        focus_id=form.cleaned_data["focus"],
        asked=request.GET.get("map", "").strip(),
        compare=filters.get("compare"),
        language=get_language(),
        known=data["unit_rows"],
    )
    return {**context, "query_without_map": query.urlencode()}


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Target against actual, one row per target with breakdown columns, as CSV or XLSX."""
    if fmt not in exports.FORMATS:
        raise Http404
    form, filters = _dashboard_filters(request)
    if not form.is_valid():
        # Each field by its label, as the page's error list names it (not by its query-string name).
        problems = [
            f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
            for name, errors in form.errors.items()
        ]
        return HttpResponse(
            "\n".join([_("Invalid filters."), *problems]), status=400, content_type="text/plain; charset=utf-8"
        )
    if not filters["phase"]:
        raise Http404
    targets = dashboard.scoped_targets(dashboard.phase_targets(filters["phase"]), filters["scope"])
    results = selectors.targets_as_of(targets=targets, as_of=filters["as_of"])
    dataset = exports.targets_dataset(results, dashboard.breakdowns(targets, results, as_of=filters["as_of"]))
    return exports.dataset_response(dataset, fmt, f"cpdash-targets-{filters['as_of']:%Y-%m-%d}")


# --- The yearly results report (printable HTML) and its spreadsheet ---------------------------------


def _refused(year: int) -> str | None:
    """Why there is no report for ``year`` (future, or before any programme), or None."""
    return annual_report.report_refusal(year=year, today=timezone.localdate())


def _editions(year: int) -> list[ReportEdition]:
    """The year's editions, the latest first, without their content. 1 query."""
    return list(
        ReportEdition.objects.filter(year=year)
        .select_related("published_by")
        .defer("payload", "xlsx_vi", "xlsx_en")
        .order_by("-number")
    )


def _chosen_edition(request: HttpRequest, year: int, found: list[ReportEdition]) -> ReportEdition | None:
    """The edition the request asks for (``?edition=N``), else the latest; None for the live
    figures (``?live=1``, or no edition yet). 404 for an edition the year does not have."""
    if request.GET.get("live") == "1":
        return None
    asked = request.GET.get("edition", "").strip()
    if not asked:
        return found[0] if found else None
    chosen = next((e for e in found if is_ascii_digits(asked) and e.number == int(asked)), None)
    if chosen is None:
        raise Http404(_("The %(year)s report has no edition %(number)s.") % {"year": year, "number": asked[:10]})
    return chosen


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def report_page(request: HttpRequest, year: int) -> HttpResponse:
    """The results of one year in the department's words, with its figures; A4 when printed.

    The latest published edition by default (another with ``?edition=N``, the live
    figures with ``?live=1``), with a notice when the live figures now differ."""
    message = _refused(year)
    if message:
        return render(request, "targets/report.html", {"year": year, "refusal": message}, status=404)
    found = _editions(year)
    edition = _chosen_edition(request, year, found)
    live = annual_report.annual_report(year=year, today=timezone.localdate())
    # The register version the facilities counted come from: the one of the edition's moment.
    moment = edition.published_at if edition is not None else timezone.now()
    context = {
        "year": year,
        "report": live,
        "editions": found,
        "edition": edition,
        "register_version": RegisterVersion.objects.as_of(moment),
    }
    if edition is not None:
        report = editions.edition_report(edition)
        context.update(report=report, live_differs=editions.differs(report, live))
    return render(request, "targets/report.html", context)


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def report_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    """The same figures as a workbook, one sheet per section: the edition's as published
    (the latest, or ``?edition=N``), the live figures' with ``?live=1`` or before any edition."""
    message = _refused(year)
    if message:
        return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
    edition = _chosen_edition(request, year, _editions(year))
    if edition is None:
        report = annual_report.annual_report(year=year, today=timezone.localdate())
        content = xlsx_bytes(annual_report.report_databook(report))
        name = f"cpdash-report-{year}.xlsx"
    else:
        content = editions.edition_xlsx(edition)
        name = f"cpdash-report-{year}-edition-{edition.number}.xlsx"
    response = HttpResponse(content, content_type=exports.FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """The report as PDF, in the reader's language, with the department's letterhead: the
    edition's as published (the latest, or ``?edition=N``); the live figures, marked not
    published, with ``?live=1`` or before any edition (docs/reports.md, "The report as PDF")."""
    message = _refused(year)
    if message:
        return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
    edition = _chosen_edition(request, year, _editions(year))
    today = timezone.localdate()
    if edition is None:
        report = annual_report.annual_report(year=year, today=today)
        name = f"cpdash-report-{year}.pdf"
    else:
        report = editions.edition_report(edition)
        name = f"cpdash-report-{year}-edition-{edition.number}.pdf"
    try:
        from targets import report_pdf as pdf  # WeasyPrint loads Pango when imported
    except (OSError, ImportError):  # Pango missing (OSError), or WeasyPrint itself
        message = _("The PDF cannot be made on this server: WeasyPrint needs the Pango library (make pdf-deps).")
        return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    content = pdf.render_pdf(
        report, edition=edition, letterhead=Letterhead.current(), language=editions.reader_language(), today=today
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@transaction.non_atomic_requests  # editions.publish() opens its own transaction, on one snapshot
@login_required
@permission_required("targets.publish_reportedition", raise_exception=True)
@require_POST
def report_publish(request: HttpRequest, year: int) -> HttpResponse:
    """POST: publish the year's report as it stands now, as a new edition; back to the report."""
    message = _refused(year)
    if message:
        return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
    edition = editions.publish(year=year, user=request.user, today=timezone.localdate())
    messages.success(
        request,
        _("Edition %(number)s of the %(year)s report is published: readers now see it.")
        % {"number": edition.number, "year": year},
    )
    return redirect("targets:report", year=year)


@login_required
@permission_required("targets.view_target", raise_exception=True)
@require_GET
@reads_from_replica
def report_changes(request: HttpRequest, year: int) -> HttpResponse:
    """An edition (the latest, or ``?edition=N``) beside the live figures: every figure, the
    sentences that differ, and the records that entered or left each counted figure."""
    message = _refused(year)
    found = _editions(year) if not message else []
    if not found:
        message = message or _("The %(year)s report has not been published yet.") % {"year": year}
        return render(request, "targets/report_changes.html", {"year": year, "refusal": message}, status=404)
    request_edition = _chosen_edition(request, year, found) or found[0]
    published = editions.edition_report(request_edition)
    live = annual_report.annual_report(year=year, today=timezone.localdate())
    context = {
        "year": year,
        "edition": request_edition,
        "editions": found,
        "report": published,
        **editions.compare(request_edition, published, live),
    }
    return render(request, "targets/report_changes.html", context)
