"""Admin pieces shared by the apps."""

from cpdash.text import fold


class FoldedSearchMixin:
    """Search ``search_text`` (see cpdash.models.Searchable) with the term
    folded the same way, so "Bat Trang" finds "Bát Tràng" on any database.
    Also used by autocomplete widgets, which call get_search_results."""

    search_fields = ("search_text",)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))
