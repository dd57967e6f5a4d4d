"""The one reader of choices (cpdash.imports.AliasWidget), used by every import: a
choice written as its value, its label in either language or an alias, the
message listing the choices, an empty cell's default or message, the label shown."""

import pytest
from django.utils import translation
from import_export.resources import Resource

from cpdash.imports import AliasWidget, alias_key
from facilities import reference_resources as facility_references
from facilities import resources as facility_resources
from programmes import reference_resources as programme_references
from programmes import resources as record_resources
from programmes.models import Resource as SavedResource
from programmes.models import Stage
from targets import resources as target_resources

IMPORT_MODULES = (facility_resources, facility_references, record_resources, programme_references, target_resources)


def stage_widget(**kwargs) -> AliasWidget:
    return AliasWidget(
        record_resources.VIETNAMESE_ALIASES["stage"],
        "Unknown stage “%(value)s”: use one of %(choices)s.",
        choices=Stage,
        **kwargs,
    )


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize(
    "cell",
    [
        "verified",
        "VERIFIED",
        " Verified ",
        "Verified after a period",
        "Đã kiểm chứng sau một thời gian",
        "da kiem chung",
    ],
)
def test_a_choice_is_read_from_its_value_its_labels_and_its_aliases_in_either_language(language, cell):
    with translation.override(language):
        assert stage_widget().clean(cell) == Stage.VERIFIED


def test_an_unknown_choice_is_refused_with_the_choices_listed():
    with pytest.raises(ValueError) as refused:
        stage_widget().clean("finished")
    assert str(refused.value) == f"Unknown stage “finished”: use one of {', '.join(Stage.values)}."


def test_an_empty_cell_is_the_default_or_refused_when_required():
    assert stage_widget().clean("  ") is None
    assert stage_widget(default=Stage.IDENTIFIED).clean("") == Stage.IDENTIFIED
    with pytest.raises(ValueError, match=r"^Missing stage\.$"):
        stage_widget(missing="Missing stage.").clean("")


def test_a_choice_is_shown_by_its_label_in_the_current_language():
    widget = AliasWidget({}, "", choices=SavedResource)
    with translation.override("vi"):
        assert widget.render(SavedResource.WATER) == "nước"
    with translation.override("en"):
        assert widget.render(SavedResource.WATER) == "water"
        assert widget.choice_labels() == [str(label) for label in SavedResource.labels]
    assert widget.render(None) == widget.render("") == ""


def test_without_choices_the_aliases_name_the_choices():
    widget = AliasWidget(target_resources.LEVEL_ALIASES, "Unknown level “%(value)s”: use %(choices)s.")
    assert widget.clean("Cấp xã") == "commune"
    with pytest.raises(ValueError, match=r"^Unknown level “tỉnh”: use district, commune\.$"):
        widget.clean("tỉnh")


def import_widgets():
    """(import, column, widget) for every choice column of every import."""

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    modules = {module.__name__ for module in IMPORT_MODULES}
    for resource in subclasses(Resource):
        if resource.__module__ in modules:
            for column, field in resource.fields.items():
                if isinstance(field.widget, AliasWidget):
                    yield resource.__name__, column, field.widget


def test_every_import_reads_its_choices_with_alias_widget():
    columns = {(resource, column) for resource, column, _widget in import_widgets()}
    assert {("FacilityResource", "kind"), ("SolutionResource", "stage"), ("TargetResource", "indicator")} <= columns
    assert len(columns) == 18


@pytest.mark.parametrize(("resource", "column", "widget"), list(import_widgets()))
def test_no_spelling_names_two_choices(resource, column, widget):
    """An alias is never another choice's label or value (else which one the cell means
    would hang on the order the spellings are gathered in)."""
    spellings = widget.all_aliases()
    for alias, value in widget.aliases.items():
        assert spellings[alias] == value, (resource, column, alias)
    for value in widget.values():
        assert spellings[alias_key(str(value))] == value
