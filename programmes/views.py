"""Pages where department staff record the programme's work.

Thin views: check access, fetch, hand the post to a form (which validates
everything and saves in one transaction), redirect after a successful post.
Lists are simple for now: the last ``LIST_SIZE`` records, newest first.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, F, Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cpdash.text import fold
from facilities.models import Facility
from programmes import forms
from programmes.models import OutreachActivity, Replication, Solution, Specialist, Survey

LIST_SIZE = 50
SEARCH_SIZE = 20


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
) -> HttpResponse:
    """Show ``form_class`` for ``record``; on a valid post save it, say so and
    redirect to the ``done`` URL name."""
    created = record.pk is None
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=record, initial=initial)
    if form.is_bound and form.is_valid():
        saved = form.save()
        messages.success(request, _saved_message(saved, created))
        return redirect(done)
    return render(request, template, {"form": form, "creating": created})


# --- Facility search (used by the forms' search script) ---------------------------


@login_required
def facility_search(request: HttpRequest) -> JsonResponse:
    """Up to SEARCH_SIZE facilities whose name or code contains ``q``, diacritics
    ignored: ``{"results": [{"id", "code", "name", "unit"}]}``, in one query."""
    term = fold(request.GET.get("q", ""))
    if not term:
        return JsonResponse({"results": []})
    rows = (
        Facility.objects.filter(search_text__icontains=term)
        .order_by("name", "code")
        .values("id", "code", "name", unit_name=F("unit__name"))[:SEARCH_SIZE]
    )
    results = [{"id": r["id"], "code": r["code"], "name": r["name"], "unit": r["unit_name"]} for r in rows]
    return JsonResponse({"results": results})


# --- CP surveys ----------------------------------------------------------------


@login_required
@permission_required("programmes.view_survey", raise_exception=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = (
        Survey.objects.select_related("facility")
        .annotate(option_count=Count("options", distinct=True), support_count=Count("supports", distinct=True))
        .order_by("-surveyed_on", "-pk")[:LIST_SIZE]
    )
    return render(request, "programmes/survey_list.html", {"surveys": surveys})


@login_required
@permission_required("programmes.add_survey", raise_exception=True)
def survey_create(request: HttpRequest) -> HttpResponse:
    return _record(request, forms.SurveyForm, Survey(), "programmes/survey_form.html", "programmes:survey_list")


@login_required
@permission_required("programmes.change_survey", raise_exception=True)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("facility"), pk=pk)
    return _record(request, forms.SurveyForm, survey, "programmes/survey_form.html", "programmes:survey_list")


# --- Outreach activities ----------------------------------------------------------


@login_required
@permission_required("programmes.view_outreachactivity", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = (
        OutreachActivity.objects.select_related("unit")
        .annotate(facility_count=Count("attendances"))
        .order_by("-held_on", "-pk")[:LIST_SIZE]
    )
    return render(request, "programmes/activity_list.html", {"activities": activities})


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
    activity = get_object_or_404(OutreachActivity, pk=pk)
    return _record(
        request, forms.OutreachActivityForm, activity, "programmes/activity_form.html", "programmes:activity_list"
    )


# --- CP solutions ----------------------------------------------------------------


@login_required
@permission_required("programmes.view_solution", raise_exception=True)
def solution_list(request: HttpRequest) -> HttpResponse:
    solutions = (
        Solution.objects.select_related("facility")
        .prefetch_related("savings")
        .order_by("-implemented_on", "-pk")[:LIST_SIZE]
    )
    return render(request, "programmes/solution_list.html", {"solutions": solutions})


def _survey_initial(request: HttpRequest) -> dict | None:
    """Initial values for a solution that follows a survey (``?survey=<pk>``)."""
    pk = request.GET.get("survey", "")
    survey = Survey.objects.select_related("facility").filter(pk=pk).first() if pk.isdigit() else None
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
    solution = get_object_or_404(Solution.objects.select_related("facility"), pk=pk)
    return _record(request, forms.SolutionForm, solution, "programmes/solution_form.html", "programmes:solution_list")


# --- CP specialists ----------------------------------------------------------------


@login_required
@permission_required("programmes.view_specialist", raise_exception=True)
def specialist_list(request: HttpRequest) -> HttpResponse:
    specialists = Specialist.objects.select_related("unit").order_by("-appointed_on", "-pk")[:LIST_SIZE]
    return render(request, "programmes/specialist_list.html", {"specialists": specialists})


@login_required
@permission_required("programmes.add_specialist", raise_exception=True)
def specialist_appoint(request: HttpRequest) -> HttpResponse:
    return _record(
        request, forms.AppointmentForm, Specialist(), "programmes/specialist_form.html", "programmes:specialist_list"
    )


@login_required
@permission_required("programmes.change_specialist", raise_exception=True)
def specialist_departure(request: HttpRequest, pk: int) -> HttpResponse:
    specialist = get_object_or_404(Specialist.objects.select_related("unit"), pk=pk)
    return _record(
        request, forms.DepartureForm, specialist, "programmes/specialist_form.html", "programmes:specialist_list"
    )


# --- Replications of demonstration models --------------------------------------------


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
    replication = get_object_or_404(Replication.objects.select_related("model", "facility"), pk=pk)
    return _record(
        request, forms.ReplicationForm, replication, "programmes/replication_form.html", "programmes:replication_list"
    )
