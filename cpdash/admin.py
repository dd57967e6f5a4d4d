"""Admin pieces shared by the apps."""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.auth.admin import UserAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, F, OrderBy, OuterRef
from django.db.models.functions import Collate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop, ngettext_lazy
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.formats.base_formats import XLSX
from simple_history.admin import SimpleHistoryAdmin

from cpdash import concurrency, history, uploads
from cpdash.concurrency import VersionedAdminMixin
from cpdash.database import in_vietnamese_order
from cpdash.exports import xlsx_bytes
from cpdash.imports import (
    CSVFormat,
    ImportFileError,
    ImportForm,
    RecordResource,
    RecordResult,
    XLSXFormat,
    row_problems,
)
from cpdash.text import fold

# django-import-export (4.4) ships no Vietnamese: its messages, labels and template strings that
# the admin's import pages show are translated in cpdash's own catalogue (locale/vi), which
# Django merges with the app's, ahead of it. Listed here so that makemessages keeps them.
IMPORT_EXPORT_MESSAGES = (
    gettext_noop("Import"),
    gettext_noop("Export"),
    gettext_noop("Resource"),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop("Submit"),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, click 'Confirm import'"
    ),
    gettext_noop("Confirm import"),
    gettext_noop("Errors"),
    gettext_noop("Line number"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop("Please correct these errors in your data where possible, then reupload it using the form above."),
    gettext_noop("Row"),
    gettext_noop("Non field specific"),
    gettext_noop("Preview"),
    gettext_noop("New"),
    gettext_noop("Skipped"),
    gettext_noop("Delete"),
    gettext_noop("Update"),
    gettext_noop("Select all"),
    gettext_noop("Value could not be parsed."),
    gettext_noop("Import finished: {} new, {} updated, {} deleted and {} skipped {}."),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct format for the file."
    ),
    gettext_noop("No valid data to import. Ensure your file has the correct headers or data for import."),
    gettext_noop("Export selected %(verbose_name_plural)s"),
)

# Django's admin, whose Vietnamese lacks these (many read by screen readers only), translated in
# cpdash's catalogue in the same way. Listed here so that makemessages keeps them.
DJANGO_ADMIN_MESSAGES = (
    gettext_noop("Skip to main content"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Sidebar"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Error:"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("Set password"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Select this object for an action - {}"),
    # Its Vietnamese has these two apart; the change form asks for them as one plural message.
    ngettext_lazy("Please correct the error below.", "Please correct the errors below."),
)

# django-simple-history (3.13) ships no Vietnamese either: the strings of its History and
# revert pages (its templates, its admin's titles, the kinds of change) are translated in
# cpdash's catalogue in the same way; those Django's admin translates (Home, History,
# Date/time, Changes, Close…) are not repeated. Listed here so that makemessages keeps them.
SIMPLE_HISTORY_MESSAGES = (
    gettext_noop("Choose a date from the list below to revert to a previous version of this object."),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("Object"),
    gettext_noop("Comment"),
    gettext_noop("Changed by"),
    gettext_noop("Change reason"),
    ngettext_lazy("entry", "entries"),
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("Revert"),
    gettext_noop("Change History"),
    gettext_noop("View history: %s"),
    gettext_noop("Revert %s"),
    # The kinds of change (the history's "Comment" column), and a deleted related record.
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop("Deleted %(type_name)s"),
)


def label_import_fields(response: HttpResponse, label) -> None:
    """The import page's "This importer will import the following fields" and its table of
    problems name the columns as people read them (``label(column)``, in the user's language,
    as the template's headers), not by code."""
    if not isinstance(response, TemplateResponse):
        return
    if response.context_data.get("fields_list"):
        fields = response.context_data["fields_list"]
        response.context_data["fields_list"] = [(name, [label(c) for c in columns]) for name, columns in fields]
    if response.context_data.get("problems"):
        response.context_data["problems"] = [problem.labelled(label) for problem in response.context_data["problems"]]


class FoldedSearchMixin:
    """Search ``search_text`` (see cpdash.models.Searchable) with the term
    folded the same way, so "Bat Trang" finds "Bát Tràng" on any database.
    Also used by autocomplete widgets, which call get_search_results."""

    search_fields = ("search_text",)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))


def _collated_field(part: object) -> tuple[str, bool] | None:
    """The field a default ordering's ``Collate(F(field), …)`` (or its OrderBy) sorts by, and
    whether descending; None for anything else."""
    descending = False
    if isinstance(part, OrderBy):
        part, descending = part.expression, part.descending
    if isinstance(part, Collate) and isinstance(part.get_source_expressions()[0], F):
        return part.get_source_expressions()[0].name, descending
    return None


class NameOrderChangeList(ChangeList):
    """A change list whose columns of the fields in the admin's ``names_in_vietnamese_order`` sort
    in the order of the Vietnamese alphabet (cpdash.database.in_vietnamese_order()) when their header
    is clicked, not by code point; a default order by one of them (the models' Meta.ordering)
    shows on its header as a plain field's does."""

    def get_ordering_field(self, field_name):
        found = super().get_ordering_field(field_name)
        if isinstance(found, str) and found in self.model_admin.names_in_vietnamese_order:
            return in_vietnamese_order(found)
        return found

    def get_ordering_field_columns(self) -> dict[int, str]:
        columns = super().get_ordering_field_columns()
        if ORDER_VAR in self.params:
            return columns
        for part in self._get_default_ordering():
            collated = _collated_field(part)
            if collated is None:
                continue
            name, descending = collated
            for index, field_name in enumerate(self.list_display):
                if field_name == name:
                    columns.setdefault(index, "desc" if descending else "asc")
                    break
        return columns


class HistoryAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    """Base of every model admin: the "History" page lists each change (who,
    when, what) and reverts to an earlier version, also of a deleted record
    (``<pk>/history/``); change forms refuse a save over someone else's newer
    one (cpdash.concurrency). Combine as ``(…Mixin, HistoryAdmin, ImportExportModelAdmin)``.

    ``deleted/`` lists the records deleted and not restored, each linking to
    its history page, where the admin picks the version to restore. Deletions stamp
    the history entries of the rows deleted or unlinked with a record with one moment
    (cpdash.history.delete); where ``restores_with_rows``, the list also restores a
    record with those rows in one step (cpdash.history.restore)."""

    deleted_list_size = 100
    #: Whether the deleted records' list offers "Restore" (the record and the rows deleted with it).
    restores_with_rows = False
    #: Fields whose column sorts in the order of the Vietnamese alphabet (NameOrderChangeList).
    names_in_vietnamese_order = ("name", "title", "description")
    # simple-history's revert page with the admin's breadcrumbs (the app's and the model's names).
    object_history_form_template = "admin/history_form.html"

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs) -> None:
        """simple-history's hook for the History page's entries: each reason in the reader's
        language (history.reason_label), none for an entry without (the package's list prints
        None, in English)."""
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        for record in historical_records:
            record.history_change_reason = history.reason_label(record.history_change_reason)

    def delete_model(self, request: HttpRequest, obj) -> None:
        history.delete(obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                history.delete(obj)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return NameOrderChangeList

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_deleted"
        deleted = path("deleted/", self.admin_site.admin_view(self.deleted_view), name=name)
        restore = path(
            "deleted/<int:history_id>/restore/",
            self.admin_site.admin_view(self.restore_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_restore",
        )
        return [deleted, restore, *super().get_urls()]

    @method_decorator(require_POST)
    def restore_view(self, request: HttpRequest, history_id: int) -> HttpResponse:
        """Restore a deleted record with the rows deleted with it (cpdash.history.restore)."""
        if not (self.restores_with_rows and self.has_change_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        entry = self.model.history.filter(history_id=history_id, history_type="-").first()
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_deleted", current_app=self.admin_site.name)
        if entry is None:
            messages.error(request, gettext("There is no such deletion to undo."))
            return HttpResponseRedirect(back)
        try:
            record = history.restore(self.model, getattr(entry, self.opts.pk.attname), entry.history_date)
        except history.NotRestored as error:
            messages.error(request, gettext("The deletion was not undone: %(reason)s") % {"reason": error})
            return HttpResponseRedirect(back)
        self.log_addition(request, record, [{"added": {}}])
        kind = capfirst(self.opts.verbose_name)
        messages.success(
            request, gettext("%(kind)s “%(record)s” is back, as it was.") % {"kind": kind, "record": record}
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[record.pk])
        )

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None) -> HttpResponse:
        """simple-history's revert page. Reverting a deleted record that ``restores_with_rows``
        first undoes its last deletion (cpdash.history.restore: the record and the rows deleted
        with it, as they were), then saves the chosen version over it, in one transaction: a
        survey comes back with its CP options, not alone. Nothing is written when either
        step is refused."""
        pk = self.opts.pk.attname
        if (
            request.method != "POST"
            or not self.restores_with_rows
            or self.model._default_manager.filter(pk=object_id).exists()
        ):
            return super().history_form_view(request, object_id, version_id, extra_context)
        deletion = history.deletions(self.model, object_id).first()
        opened = request.POST.get(concurrency.VERSION_FIELD, "")
        if deletion is None or opened != str(deletion.history_id):
            # Never deleted through history.delete, or deleted again since the page was opened:
            # the revert form says so (its version check).
            return super().history_form_view(request, object_id, version_id, extra_context)
        if not (self.has_change_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        with transaction.atomic():
            try:
                record = history.restore(self.model, getattr(deletion, pk), deletion.history_date)
            except history.NotRestored as error:
                messages.error(request, gettext("The deletion was not undone: %(reason)s") % {"reason": error})
                return HttpResponseRedirect(request.path)
            self.log_addition(request, record, [{"added": {}}])
            # The page was opened on the deletion's version; the restore is part of this revert. A
            # refused form comes back still carrying it, so that it can be corrected and saved.
            with concurrency.also_current(self.model, record.pk, opened):
                response = super().history_form_view(request, object_id, version_id, extra_context)
            if response.status_code != 302:  # the chosen version is refused: the record stays deleted
                transaction.set_rollback(True)
                return response
        messages.info(
            request,
            gettext("%(kind)s “%(record)s” is back with the rows deleted with it.")
            % {"kind": capfirst(self.opts.verbose_name), "record": record},
        )
        return response

    def deleted_view(self, request: HttpRequest) -> HttpResponse:
        """The last ``deleted_list_size`` deletions of records that do not exist
        any more, with who deleted them: two queries, whatever their number (and, where it
        restores, one per record its rows belong to: history.deleted_parents)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        pk = self.opts.pk.attname
        alive = self.model._default_manager.filter(pk=OuterRef(pk))
        # A deletion undone since (the record restored, perhaps deleted again later) is not listed.
        later = self.model.history.filter(**{pk: OuterRef(pk), "history_id__gt": OuterRef("history_id")})
        entries = list(
            self.model.history.filter(history_type="-")
            .exclude(Exists(alive))
            .exclude(Exists(later))
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[: self.deleted_list_size]
        )
        # The name each had when deleted, from the admin's log (deletions elsewhere show their id).
        names = dict(
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                action_flag=DELETION,
                object_id__in=[str(getattr(e, pk)) for e in entries],
            ).values_list("object_id", "object_repr")
        )
        restores = self.restores_with_rows and self.has_add_permission(request)
        # A row deleted with its record (a survey's option) comes back with it, not alone.
        parents = history.deleted_parents(self.model, entries) if restores else {}
        for entry in entries:
            entry.label = names.get(str(getattr(entry, pk))) or f"#{getattr(entry, pk)}"
            entry.deleted_with = parents.get(entry.history_id, "")
        context = {
            **self.admin_site.each_context(request),
            "title": capfirst(gettext("Deleted %(records)s") % {"records": self.opts.verbose_name_plural}),
            "opts": self.opts,
            "entries": entries,
            "restores": restores,
        }
        return TemplateResponse(request, "admin/deleted_records.html", context)


class PrivateUploadMixin:
    """The upload between an import's preview and its confirm is the user's own
    (cpdash.uploads): the confirm form carries a signed token instead of the
    file's name, bound to the user and the session and valid for
    IMPORT_UPLOAD_MAX_AGE; any other token is refused with a message, and nothing
    is read or deleted. A preview that cannot be confirmed (the file has
    problems) deletes its upload at once. Part of ConfirmOnceMixin."""

    def get_confirm_form_initial(self, request: HttpRequest, import_form) -> dict:
        initial = super().get_confirm_form_initial(request, import_form)
        if initial.get("import_file_name"):
            initial["import_file_name"] = uploads.sign(initial["import_file_name"], request)
        return initial

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        name = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        previewed = isinstance(response, TemplateResponse) and (response.context_data or {}).get("confirm_form")
        if name and not previewed:
            with contextlib.suppress(FileNotFoundError):
                self.get_tmp_storage_class()(name=name).remove()
        return response

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            name = uploads.unsign(request.POST.get("import_file_name", ""), request)
        except uploads.UploadTokenError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(self._import_url())
        request.POST = request.POST.copy()
        request.POST["import_file_name"] = name  # what import-export reads, deletes after the import
        return super().process_import(request, **kwargs)

    def _import_url(self) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_import"
        return reverse(name, current_app=self.admin_site.name)


class ConfirmOnceMixin(PrivateUploadMixin):
    """An import confirmed twice (a double click on "Confirm import") is written once,
    and only by the user who previewed it (PrivateUploadMixin).

    import-export keeps the uploaded file between the preview and the confirm,
    reads it on confirm and removes it after the import. A second confirm of the
    same preview finds no file (FileNotFoundError on reading), or, when both ran
    at once, fails to remove it after the other request did: that request's
    import is rolled back (the view runs in one transaction, ATOMIC_REQUESTS),
    so exactly one confirm writes, and the other gets a message instead of a 500.
    Put it before import-export's mixin: ``(ConfirmOnceMixin, …, ImportMixin)``.
    """

    def process_import(self, request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            if connection.in_atomic_block:
                transaction.set_rollback(True)
            messages.error(
                request,
                gettext(
                    "This import was already confirmed, or its file is gone: nothing more was imported. "
                    "To import the file again, upload it again."
                ),
            )
            return HttpResponseRedirect(self._import_url())


class TypedXLSXExportMixin:
    """The admin's XLSX export writes text cells as strings, never as formulas, and
    holds each name as it is (cpdash.exports.xlsx_bytes) instead of import-export's
    writer, which would keep the resource's escaping apostrophes (CSV keeps them).
    Put it before import-export's mixin."""

    def get_export_data(self, file_format, request: HttpRequest, queryset, **kwargs) -> str | bytes:
        if not isinstance(file_format, XLSX):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        if not self.has_export_permission(request):
            raise PermissionDenied
        return xlsx_bytes(self.get_data_for_export(request, queryset, force_native_type=True, **kwargs))


class RoleUserAdmin(UserAdmin):
    """Django's user admin, where only a superuser makes or changes a superuser.

    Admins keep the users (cpdash.roles), but "Superuser status" grants every
    permission there is: for anyone else it is read-only, and a superuser's
    account (password included) can be looked at but not changed or deleted.
    Registered in targets/admin.py, next to the role groups' migrations.
    """

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "is_superuser")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class RecordImportMixin(ConfirmOnceMixin, ImportMixin):
    """An import by natural key (cpdash.imports.RecordResource, docs/import.md) in the
    admin: import-export's upload, preview and confirm pages, every problem listed by
    spreadsheet row, and a template to download (CSV or XLSX)."""

    import_formats = [CSVFormat, XLSXFormat]
    import_form_class = ImportForm  # refuses oversized files
    import_template_name = "admin/import_records.html"

    @property
    def record_resource(self) -> type[RecordResource]:
        return self.resource_classes[0]

    def get_urls(self) -> list[URLPattern]:
        name = "{}_{}_import_template".format(*self.get_model_info())
        template = path("import/template/", self.admin_site.admin_view(self.import_template_view), name=name)
        return [template, *super().get_urls()]

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Adding and changing every model the import writes (an import also
        updates records it finds again), and importing it where the model has that permission."""
        # The past records ask for "import_<model>" too (cpdash.models.IMPORTED_PERMISSIONS);
        # the reference tables, which have no such permission, for adding and changing alone.
        code = settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE
        allowed = super().has_import_permission(request) if code in self.opts.default_permissions else True
        return allowed and request.user.has_perms(self.record_resource.import_permissions())

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        """``?format=xlsx``: a workbook in the user's language, with drop-down lists and a
        notes sheet (cpdash.import_templates); else a CSV of the column names and example rows."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.GET.get("format") == "xlsx":
            body, extension, content_type = self.record_resource.template_xlsx(), "xlsx", XLSXFormat.CONTENT_TYPE
        else:
            # With a BOM, Excel opens the file as UTF-8 and shows the diacritics.
            body, extension = "\ufeff" + self.record_resource.template_dataset().export("csv"), "csv"
            content_type = "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        filename = f"{self.opts.model_name}-template.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_import_context_data(self, **kwargs) -> dict:
        return {**super().get_import_context_data(**kwargs), "import_notes": self.record_resource.notes}

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data.get("result"):
            result = response.context_data["result"]
            response.context_data["problems"] = row_problems(result, self.record_resource.columns())
        label_import_fields(response, self.record_resource.column_label)
        return response

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result: RecordResult, request: HttpRequest) -> HttpResponse:
        """After "Confirm import": nothing is written if the file became invalid
        since the preview (data can change meanwhile), so say so."""
        problems = row_problems(result, self.record_resource.columns())
        if not problems:
            return super().process_result(result, request)
        listed = "; ".join(str(p) for p in problems[:5])
        messages.error(request, gettext("Nothing was imported: %(problems)s") % {"problems": listed})
        url = reverse("admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name)
        return HttpResponseRedirect(url)

    def generate_log_entries(self, result: RecordResult, request: HttpRequest) -> None:
        """One history entry per record added or changed, not one per row."""
        if self.get_skip_admin_log():
            return
        for objects, flag, message in (
            (result.added, ADDITION, gettext("Added by import.")),
            (result.changed, CHANGE, gettext("Changed by import.")),
        ):
            if objects:
                LogEntry.objects.log_actions(request.user.pk, objects, flag, message, single_object=len(objects) == 1)

    def add_success_message(self, result: RecordResult, request: HttpRequest) -> None:
        counts = {"added": len(result.added), "changed": len(result.changed), "records": self.opts.verbose_name_plural}
        message = gettext("Import finished: %(added)d %(records)s added, %(changed)d changed.")
        messages.success(request, message % counts)
