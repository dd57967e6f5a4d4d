"""Pages where department staff record the programme's work.

Thin views: check access, fetch, hand the post to a form (which validates
everything and saves in one transaction), redirect after a successful post.
The survey, activity and solution lists are filtered (programmes/filters.py),
sortable, paginated tables (programmes/tables.py) that export as filtered, in a
fixed number of queries; the other lists show the last ``LIST_SIZE`` records,
newest first.
"""

import datetime

from django.contrib import messages
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Model, QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_filters import FilterSet
from django_tables2 import Table

from cpdash import history
from cpdash.database import in_vietnamese_order
from cpdash.exports import export_format
from cpdash.tables import paginate, sort
from cpdash.text import fold, is_ascii_digits
from facilities.models import Facility
from jobs.exports import export_or_job
from programmes import forms, pathway
from programmes.filters import ActivityFilter, SolutionFilter, SurveyFilter, activity_rows, solution_rows, survey_rows
from programmes.models import DemonstrationModel, OutreachActivity, Replication, Solution, Specialist, Survey
from programmes.tables import ActivityTable, SolutionTable, SurveyTable

LIST_SIZE = 50
SEARCH_SIZE = 20
#: Pasted codes resolved at once, at most (a city's register is a few ten thousand facilities).
PASTE_MAX = 5000


def _saved_message(record: Model, created: bool) -> str:
    params = {"kind": capfirst(record._meta.verbose_name), "record": record}
    if created:
        return _("%(kind)s “%(record)s” was created.") % params
    return _("%(kind)s “%(record)s” was updated.") % params


def _record(
    request: HttpRequest,
    form_class: type[ModelForm],
    record: Model,
    template: str,
    done: str,
    initial: dict | None = None,
    *,
    deletable: bool = True,
) -> HttpResponse:
    """Show ``form_class`` for ``record``; on a valid post save it, say so and
    redirect to the ``done`` URL name. A stored record's page links to its deletion
    (record_delete) when ``deletable`` and the user may delete it.

    A create form posted again after it saved (a double click on Save, Back and Save)
    saves nothing and redirects as the first post did (forms.SubmitOnceMixin). A save
    that the database refuses because someone stored the same record meanwhile shows
    the form again with a message, not an error page."""
    created = record.pk is None
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=record, initial=initial)
    if form.is_bound and created and isinstance(form, forms.SubmitOnceMixin) and form.already_saved():
        return _already_saved(request, done)
    if form.is_bound and form.is_valid():
        try:
            saved = form.save()
        except forms.AlreadySaved:
            return _already_saved(request, done)
        except IntegrityError:
            if not created:
                raise
            # A create form saves in a savepoint (forms.SubmitOnceMixin): the request's transaction goes on.
            form.add_error(
                None,
                _(
                    "Someone else saved the same record meanwhile, so this one was not saved. "
                    "Check the list before saving again."
                ),
            )
        else:
            messages.success(request, _saved_message(saved, created))
            return redirect(done)
    delete_url = None
    kind = _KIND_OF.get(type(record))
    if deletable and kind and not created and request.user.has_perm(_permission("delete", type(record))):
        delete_url = reverse("programmes:record_delete", args=[kind, record.pk])
    response = render(request, template, {"form": form, "creating": created, "delete_url": delete_url})
    # Never kept by the browser: Back to the page of a record deleted since asks again (_deleted),
    # rather than showing the old form from its cache, whose Save would be lost.
    add_never_cache_headers(response)
    return response


def _edit(
    request: HttpRequest,
    records: QuerySet,
    pk: int,
    form_class: type[ModelForm],
    template: str,
    done: str,
    *,
    deletable: bool = True,
) -> HttpResponse:
    """_record() for the stored record ``pk`` of ``records``; one deleted since (Back to its
    page, a tab left open) sends to the ``done`` list saying who deleted it and when."""
    record = records.filter(pk=pk).first()
    if record is None:
        return _deleted(request, records.model, pk, done)
    return _record(request, form_class, record, template, done, deletable=deletable)


def _already_saved(request: HttpRequest, done: str) -> HttpResponse:
    messages.info(request, _("This form was already saved (Save was pressed twice?): it was not saved again."))
    return redirect(done)


# --- Facility search (used by the forms' search script) ---------------------------


@login_required
@permission_required("facilities.view_facility", raise_exception=True)
def facility_search(request: HttpRequest) -> JsonResponse:
    """Up to SEARCH_SIZE facilities whose name or code contains ``q``, diacritics
    ignored: ``{"results": [{"id", "code", "name", "unit", "status"}], "note"}``, by name in the
    order of the Vietnamese alphabet, in one query. ``status`` says when a facility is closed or
    does not count toward the targets ("" otherwise); ``note`` says when more facilities match
    than are listed."""
    term = fold(request.GET.get("q", ""))
    if not term:
        return JsonResponse({"results": [], "note": ""})
    rows = list(
        Facility.objects.filter(search_text__icontains=term)
        .order_by(in_vietnamese_order("name"), "code")
        .values("id", "code", "name", "closed_on", "in_scope", unit_name=F("unit__name"))[: SEARCH_SIZE + 1]
    )
    results = [
        {"id": r["id"], "code": r["code"], "name": r["name"], "unit": r["unit_name"], "status": _search_status(r)}
        for r in rows[:SEARCH_SIZE]
    ]
    note = ""
    if len(rows) > SEARCH_SIZE:
        note = _("Only the first %(count)d are listed: type more of the name or the code.") % {"count": SEARCH_SIZE}
    return JsonResponse({"results": results, "note": note})


@login_required
@permission_required("facilities.view_facility", raise_exception=True)
@require_POST
def facility_codes(request: HttpRequest) -> JsonResponse:
    """POST ``codes`` (pasted text, read as the activity form reads it: forms.parse_codes):
    ``{"count", "found": [{"code", "name", "unit", "status"}], "unknown": [code…], "message",
    "unknown_message"}``, in the order pasted, for the attendance editor to show at once;
    the form checks the codes again on save. One query (SQLite: one per 999 codes). A
    paste of more than PASTE_MAX codes is refused (400)."""
    codes = forms.parse_codes(request.POST.get("codes", ""))
    if len(codes) > PASTE_MAX:
        message = _("At most %(limit)d codes at a time.") % {"limit": PASTE_MAX}
        return JsonResponse({"error": message}, status=400)
    by_code = _facilities_by_code(codes)
    found = [
        {"code": c, "name": by_code[c]["name"], "unit": by_code[c]["unit_name"], "status": _search_status(by_code[c])}
        for c in codes
        if c in by_code
    ]
    unknown = [c for c in codes if c not in by_code]
    message = ngettext("%(count)d facility found.", "%(count)d facilities found.", len(found)) % {"count": len(found)}
    unknown_message = ""
    if unknown:
        unknown_message = ngettext(
            "%(count)d unknown code: %(codes)s.", "%(count)d unknown codes: %(codes)s.", len(unknown)
        ) % {"count": len(unknown), "codes": ", ".join(unknown)}
    return JsonResponse(
        {
            "count": len(found),
            "found": found,
            "unknown": unknown,
            "message": message,
            "unknown_message": unknown_message,
        }
    )


def _facilities_by_code(codes: list[str]) -> dict[str, dict]:
    """code → what a suggestion shows of the facility, for those of ``codes`` that exist: one
    query (SQLite, which caps a statement's parameters: one per 999 codes)."""
    size = connection.features.max_query_params or len(codes) or 1
    found: dict[str, dict] = {}
    for start in range(0, len(codes), size):
        rows = Facility.objects.filter(code__in=codes[start : start + size]).order_by()
        found.update(
            (r["code"], r) for r in rows.values("code", "name", "closed_on", "in_scope", unit_name=F("unit__name"))
        )
    return found


def _search_status(row: dict) -> str:
    """What a suggestion should warn of: closed (since when), or not counted toward targets."""
    if row["closed_on"] and row["closed_on"] <= timezone.localdate():
        return _("closed on %(day)s") % {"day": date_format(row["closed_on"], "SHORT_DATE_FORMAT")}
    if not row["in_scope"]:
        return _("not counted toward targets")
    return ""


# --- Filtered lists -------------------------------------------------------------------


def _filtered_list(
    request: HttpRequest,
    filterset: FilterSet,
    table_class: type[Table],
    *,
    change_perm: str,
    template: str,
    export_name: str,
    title: str,
) -> HttpResponse:
    """``filterset``'s records in ``table_class``, sorted (``sort``) and paginated (``page``),
    or all of them exported as filtered and sorted (``_export=csv|xlsx``, refused with 400
    while the filters are not valid). The edit links show only with ``change_perm``.

    Context: ``filter``, ``table``, ``total`` (records matching; None for invalid filters).
    """
    valid = filterset.is_valid()
    records = filterset.qs if valid else filterset.queryset.none()
    exclude = () if request.user.has_perm(change_perm) else ("edit",)
    table = table_class(records, exclude=exclude)
    sort(table, request)
    fmt = export_format(request.GET)
    if fmt:
        if not valid:
            return HttpResponseBadRequest(_("The filters are not valid: correct them on the page before exporting."))
        return export_or_job(request, table, fmt, f"{export_name}-{timezone.localdate():%Y-%m-%d}", title=title)
    paginate(table, request)
    total = table.paginator.count if valid else None
    context = {"filter": filterset, "table": table, "total": total, "unit_note": _unit_note(filterset, valid)}
    return render(request, template, context)


def _unit_note(filterset: FilterSet, valid: bool) -> str | None:
    """For a list filtered by a unit: where its records of the days it did not exist are
    (AdministrativeUnit.records_elsewhere), within the dates asked."""
    data = filterset.form.cleaned_data if valid else {}
    unit = data.get("unit")
    return unit.records_elsewhere(data.get("date_from"), data.get("date_to")) if unit else None


# --- CP surveys ----------------------------------------------------------------


@login_required
@permission_required("programmes.view_survey", raise_exception=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    """CP surveys, filtered by SurveyFilter's parameters, sorted, paginated or exported."""
    return _filtered_list(
        request,
        SurveyFilter(request.GET, queryset=survey_rows()),
        SurveyTable,
        change_perm="programmes.change_survey",
        template="programmes/survey_list.html",
        export_name="cp-surveys",
        title=_("CP surveys"),
    )


@login_required
@permission_required("programmes.add_survey", raise_exception=True)
def survey_create(request: HttpRequest) -> HttpResponse:
    return _record(request, forms.SurveyForm, Survey(), "programmes/survey_form.html", "programmes:survey_list")


@login_required
@permission_required("programmes.change_survey", raise_exception=True)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    surveys = Survey.objects.select_related("facility")
    return _edit(request, surveys, pk, forms.SurveyForm, "programmes/survey_form.html", "programmes:survey_list")


# --- Outreach activities ----------------------------------------------------------


@login_required
@permission_required("programmes.view_outreachactivity", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    """Outreach activities, filtered by ActivityFilter's parameters, sorted, paginated or exported."""
    return _filtered_list(
        request,
        ActivityFilter(request.GET, queryset=activity_rows()),
        ActivityTable,
        change_perm="programmes.change_outreachactivity",
        template="programmes/activity_list.html",
        export_name="outreach-activities",
        title=_("Outreach activities"),
    )


@login_required
@permission_required("programmes.add_outreachactivity", raise_exception=True)
def activity_create(request: HttpRequest) -> HttpResponse:
    return _record(
        request,
        forms.OutreachActivityForm,
        OutreachActivity(),
        "programmes/activity_form.html",
        "programmes:activity_list",
    )


@login_required
@permission_required("programmes.change_outreachactivity", raise_exception=True)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(
        request,
        OutreachActivity.objects.all(),
        pk,
        forms.OutreachActivityForm,
        "programmes/activity_form.html",
        "programmes:activity_list",
    )


# --- CP solutions ----------------------------------------------------------------


@login_required
@permission_required("programmes.view_solution", raise_exception=True)
def solution_list(request: HttpRequest) -> HttpResponse:
    """CP solutions, filtered by SolutionFilter's parameters, sorted, paginated or exported."""
    return _filtered_list(
        request,
        SolutionFilter(request.GET, queryset=solution_rows()),
        SolutionTable,
        change_perm="programmes.change_solution",
        template="programmes/solution_list.html",
        export_name="cp-solutions",
        title=_("CP solutions"),
    )


def _survey_initial(request: HttpRequest) -> dict | None:
    """Initial values for a solution that follows a survey (``?survey=<pk>``)."""
    pk = request.GET.get("survey", "")
    survey = Survey.objects.select_related("facility").filter(pk=pk).first() if is_ascii_digits(pk) else None
    return {"survey": survey, "facility": survey.facility.code} if survey else None


@login_required
@permission_required("programmes.add_solution", raise_exception=True)
def solution_create(request: HttpRequest) -> HttpResponse:
    initial = _survey_initial(request) if request.method == "GET" else None
    return _record(
        request, forms.SolutionForm, Solution(), "programmes/solution_form.html", "programmes:solution_list", initial
    )


@login_required
@permission_required("programmes.change_solution", raise_exception=True)
def solution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    solutions = Solution.objects.select_related("facility")
    return _edit(
        request, solutions, pk, forms.SolutionForm, "programmes/solution_form.html", "programmes:solution_list"
    )


# --- CP specialists ----------------------------------------------------------------


@login_required
@permission_required("programmes.view_specialist", raise_exception=True)
def specialist_list(request: HttpRequest) -> HttpResponse:
    specialists = Specialist.objects.select_related("unit").order_by("-appointed_on", "-pk")[:LIST_SIZE]
    context = {"specialists": specialists, "today": timezone.localdate()}
    return render(request, "programmes/specialist_list.html", context)


@login_required
@permission_required("programmes.add_specialist", raise_exception=True)
def specialist_appoint(request: HttpRequest) -> HttpResponse:
    return _record(
        request, forms.AppointmentForm, Specialist(), "programmes/specialist_form.html", "programmes:specialist_list"
    )


@login_required
@permission_required("programmes.change_specialist", raise_exception=True)
def specialist_departure(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(
        request,
        Specialist.objects.select_related("unit"),
        pk,
        forms.DepartureForm,
        "programmes/specialist_form.html",
        "programmes:specialist_list",
        deletable=False,
    )


@login_required
@permission_required("programmes.change_specialist", raise_exception=True)
def specialist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a specialist's record (a mistyped name, the wrong unit or day)."""
    specialists = Specialist.objects.select_related("unit")
    return _edit(
        request, specialists, pk, forms.SpecialistForm, "programmes/specialist_edit.html", "programmes:specialist_list"
    )


# --- Demonstration models and their replications ------------------------------------


@login_required
@permission_required("programmes.view_demonstrationmodel", raise_exception=True)
def demonstration_list(request: HttpRequest) -> HttpResponse:
    """The latest demonstration models, with how many facilities replicated each."""
    models = (
        DemonstrationModel.objects.select_related("host")
        .annotate(replication_count=Count("replications"))
        .order_by("-started_on", "-pk")[:LIST_SIZE]
    )
    return render(request, "programmes/demonstration_list.html", {"demonstrations": models})


@login_required
@permission_required("programmes.add_demonstrationmodel", raise_exception=True)
def demonstration_create(request: HttpRequest) -> HttpResponse:
    return _record(
        request,
        forms.DemonstrationForm,
        DemonstrationModel(),
        "programmes/demonstration_form.html",
        "programmes:demonstration_list",
    )


@login_required
@permission_required("programmes.change_demonstrationmodel", raise_exception=True)
def demonstration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    models = DemonstrationModel.objects.select_related("host")
    return _edit(
        request,
        models,
        pk,
        forms.DemonstrationForm,
        "programmes/demonstration_form.html",
        "programmes:demonstration_list",
    )


@login_required
@permission_required("programmes.view_replication", raise_exception=True)
def replication_list(request: HttpRequest) -> HttpResponse:
    replications = Replication.objects.select_related("model", "facility").order_by("-replicated_on", "-pk")[:LIST_SIZE]
    return render(request, "programmes/replication_list.html", {"replications": replications})


@login_required
@permission_required("programmes.add_replication", raise_exception=True)
def replication_create(request: HttpRequest) -> HttpResponse:
    return _record(
        request, forms.ReplicationForm, Replication(), "programmes/replication_form.html", "programmes:replication_list"
    )


@login_required
@permission_required("programmes.change_replication", raise_exception=True)
def replication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    replications = Replication.objects.select_related("model", "facility")
    return _edit(
        request,
        replications,
        pk,
        forms.ReplicationForm,
        "programmes/replication_form.html",
        "programmes:replication_list",
    )


# --- Deleting a record, and undoing that -----------------------------------------------

#: The records deleted from their pages, by the name their URLs use: (model, URL name of
#: their list, URL name of a record's page).
DELETABLE: dict[str, tuple[type[Model], str, str]] = {
    "surveys": (Survey, "programmes:survey_list", "programmes:survey_edit"),
    "activities": (OutreachActivity, "programmes:activity_list", "programmes:activity_edit"),
    "solutions": (Solution, "programmes:solution_list", "programmes:solution_edit"),
    "specialists": (Specialist, "programmes:specialist_list", "programmes:specialist_edit"),
    "demonstrations": (DemonstrationModel, "programmes:demonstration_list", "programmes:demonstration_edit"),
    "replications": (Replication, "programmes:replication_list", "programmes:replication_edit"),
}
_KIND_OF = {model: kind for kind, (model, _list, _page) in DELETABLE.items()}
#: How long after a deletion its "Undo" works, once shown (Back and Forward to the page, a
#: page left open); later an admin restores it (cpdash.admin).
UNDO_MAX_AGE = 24 * 60 * 60
_UNDO_SALT = "programmes.undo"


def _permission(action: str, model: type[Model]) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _counted(rows: dict[type[Model], int]) -> list[str]:
    """One line per model, "CP options: 3", in the model's own words."""
    return [
        _("%(records)s: %(count)s") % {"records": capfirst(m._meta.verbose_name_plural), "count": count}
        for m, count in rows.items()
    ]


def _deleted(request: HttpRequest, model: type[Model], pk: int, list_name: str) -> HttpResponse:
    """The answer for a record that is not stored: when it was deleted (Back to a page of a
    record deleted since, a second tab), the list with what it was, who deleted it and when,
    and "Undo" while the one who deleted it may still undo it (_undo_message); else 404."""
    entry = history.deletions(model, pk).select_related("history_user").first()
    if entry is None:
        raise Http404
    try:
        name = str(entry.instance)
    except ObjectDoesNotExist:  # named by a record deleted too (a replication's model, deleted with it)
        name = f"#{pk}"
    text = _("%(kind)s “%(record)s” was deleted on %(when)s by %(user)s.") % {
        "kind": capfirst(model._meta.verbose_name),
        "record": name,
        "when": date_format(timezone.localtime(entry.history_date), "SHORT_DATETIME_FORMAT"),
        "user": entry.history_user.get_username() if entry.history_user else "—",
    }
    undoable = (
        entry.history_user_id == request.user.pk
        and (timezone.now() - entry.history_date).total_seconds() <= UNDO_MAX_AGE
        and request.user.has_perm(_permission("delete", model))
    )
    if undoable:
        _undo_message(request, _KIND_OF[model], pk, entry.history_date, text)
    else:
        messages.info(request, text)
    return redirect(list_name)


def _undo_message(request: HttpRequest, kind: str, pk: int, moment: datetime.datetime, text: str) -> None:
    """``text`` in a message with an "Undo" button for the deletion of the record ``pk`` of
    ``kind`` made at ``moment``, which only the signed-in user can press (record_restore)."""
    token = signing.dumps(
        {"kind": kind, "pk": pk, "at": moment.isoformat(), "user": request.user.pk}, salt=_UNDO_SALT, compress=True
    )
    messages.success(request, render_to_string("programmes/_undo.html", {"text": text, "token": token}, request))


@login_required
def record_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Ask, then delete a record with the rows that go with it (cpdash.history.delete), in one
    transaction with the pathway of the facilities it touched, and offer to undo it. The
    admin's log records the deletion, so that its list of deleted records names it."""
    if kind not in DELETABLE:
        raise Http404
    model, list_name, page_name = DELETABLE[kind]
    if not request.user.has_perm(_permission("delete", model)):
        raise PermissionDenied
    record = model._default_manager.filter(pk=pk).first()
    if record is None:
        # Delete pressed twice, Back to this page, or someone else deleted it first.
        return _deleted(request, model, pk, list_name)
    if request.method != "POST":
        deleted, unlinked = history.what_goes_with(record)
        context = {
            "record": record,
            "kind": record._meta.verbose_name,
            "deleted": _counted(deleted),
            "unlinked": _counted(unlinked),
            "back_url": reverse(page_name, args=[pk]),
        }
        response = render(request, "programmes/record_delete.html", context)
        add_never_cache_headers(response)
        return response
    label = str(record)
    with transaction.atomic():
        LogEntry.objects.log_actions(request.user.pk, [record], DELETION, single_object=True)
        with pathway.deferred():
            moment = history.delete(record)
    text = _("%(kind)s “%(record)s” was deleted.") % {"kind": capfirst(model._meta.verbose_name), "record": label}
    _undo_message(request, kind, pk, moment, text)
    return redirect(list_name)


@login_required
@require_POST
def record_restore(request: HttpRequest) -> HttpResponse:
    """Undo a deletion made from record_delete by the same user, within UNDO_MAX_AGE."""
    try:
        undo = signing.loads(request.POST.get("token", ""), salt=_UNDO_SALT)
    except signing.BadSignature as error:
        raise BadRequest(_("This undo button is not valid.")) from error
    model, list_name, page_name = DELETABLE[undo["kind"]]
    if undo["user"] != request.user.pk or not request.user.has_perm(_permission("delete", model)):
        raise PermissionDenied
    moment = datetime.datetime.fromisoformat(undo["at"])
    if (timezone.now() - moment).total_seconds() > UNDO_MAX_AGE:
        messages.error(request, _("It is too late to undo this deletion here: an admin can restore the record."))
        return redirect(list_name)
    kind = capfirst(model._meta.verbose_name)
    try:
        with transaction.atomic(), pathway.deferred():
            record = history.restore(model, undo["pk"], moment)
            LogEntry.objects.log_actions(request.user.pk, [record], ADDITION, single_object=True)
    except history.NotRestored as error:
        if error.code == "restored":
            if model._default_manager.filter(pk=undo["pk"]).exists():  # Undo pressed twice: it is back
                messages.info(request, _("%(kind)s #%(pk)s is back already.") % {"kind": kind, "pk": undo["pk"]})
                return redirect(page_name, undo["pk"])
            # An older Undo (Back to its message): the record came back and was deleted again since.
            return _deleted(request, model, undo["pk"], list_name)
        messages.error(request, _("The deletion was not undone: %(reason)s") % {"reason": error})
        return redirect(list_name)
    messages.success(request, _("%(kind)s “%(record)s” is back, as it was.") % {"kind": kind, "record": record})
    return redirect(page_name, record.pk)
