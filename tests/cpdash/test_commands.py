"""Every command of the project answers --help, in both languages (argparse takes text, not a
lazy translation: a command's ``help`` is a property, as import_facilities' is)."""

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.utils import translation

PROJECT_APPS = {"cpdash", "facilities", "programmes", "targets", "jobs"}
COMMANDS = sorted((name, app) for name, app in get_commands().items() if app in PROJECT_APPS)


def test_the_project_has_its_commands():
    assert {"load_demo", "send_digest", "import_facilities", "rebuild_pathway"} <= {name for name, _ in COMMANDS}


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize(("name", "app"), COMMANDS)
def test_help_formats(name, app, language):
    command = load_command_class(app, name)
    with translation.override(language):
        text = command.create_parser("manage.py", name).format_help()
    usage, description, *_rest = text.split("\n\n")
    assert usage.startswith(f"usage: manage.py {name}") and description.strip() and "--help" in text
