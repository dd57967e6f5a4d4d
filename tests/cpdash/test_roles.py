"""The role groups: who may record, who may only look, who keeps the register."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cpdash.roles import ADMINS, MANAGERS, STAFF, STAFF_RECORDS, ensure_groups, role_permissions


def join(user: User, group_name: str) -> User:
    """The user in the group, fetched again: permissions are cached per instance."""
    user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def groups(db) -> None:
    ensure_groups()


def test_ensure_groups_creates_the_three_roles(groups):
    assert set(Group.objects.values_list("name", flat=True)) == {STAFF, MANAGERS, ADMINS}


def test_ensure_groups_twice_gives_the_same_groups_and_undoes_edits(groups):
    managers = Group.objects.get(name=MANAGERS)
    before = set(managers.permissions.values_list("pk", flat=True))
    managers.permissions.add(Permission.objects.get(codename="delete_facility"))

    ensure_groups()

    assert Group.objects.count() == 3
    assert set(managers.permissions.values_list("pk", flat=True)) == before


def test_staff_record_programme_work_and_see_the_register(groups, staff_user):
    user = join(staff_user, STAFF)

    assert user.has_perm("programmes.add_survey")
    assert user.has_perm("programmes.change_resourcesaving")
    assert user.has_perm("programmes.add_attendance")
    assert user.has_perm("facilities.view_facility")
    assert user.has_perm("targets.view_target")
    assert user.has_perm("programmes.delete_survey")  # undone by the page's "Undo" (cpdash.history)
    assert not user.has_perm("facilities.change_facility")
    assert not user.has_perm("targets.add_target")
    assert not user.has_perm("targets.publish_reportedition")
    assert not user.has_perm("programmes.change_programme")
    assert not user.has_perm("auth.change_user")


def test_managers_see_everything_and_change_nothing(groups, manager_user):
    user = join(manager_user, MANAGERS)

    assert user.has_perm("facilities.view_facility")
    assert user.has_perm("programmes.view_survey")
    assert user.has_perm("targets.view_target")
    assert not user.has_perm("programmes.change_survey")
    # Viewing, and one thing more: publishing the results report (an edition).
    assert user.get_all_permissions() - {"targets.publish_reportedition"} == {
        p for p in user.get_all_permissions() if p.split(".")[1].startswith("view_")
    }
    assert user.has_perm("targets.publish_reportedition")


def test_admins_keep_register_targets_and_users(groups, outsider):
    user = join(outsider, ADMINS)

    for perm in (
        "facilities.delete_facility",
        "facilities.add_administrativeunit",
        "programmes.change_programme",
        "programmes.delete_solution",
        "targets.change_target",
        "auth.add_user",
        "auth.change_group",
    ):
        assert user.has_perm(perm), perm
    assert not user.has_perm("sessions.delete_session")


def test_every_model_of_the_apps_is_visible_to_managers(groups):
    visible = set(Group.objects.get(name=MANAGERS).permissions.values_list("codename", flat=True))
    for label in ("facilities", "programmes", "targets"):
        for model in apps.get_app_config(label).get_models():
            assert f"view_{model._meta.model_name}" in visible


def test_staff_records_name_real_models():
    names = {model._meta.model_name for model in apps.get_app_config("programmes").get_models()}
    assert set(STAFF_RECORDS) <= names


# --- The data migration (targets/migrations/0002_role_groups.py) ------------------------

MIGRATION = ("targets", "0002_role_groups")


def _migration_module():
    return importlib.import_module("targets.migrations.0002_role_groups")


def _historical_apps():
    """The models as they stand right after the migration."""
    return MigrationExecutor(connection).loader.project_state(MIGRATION).apps


def _names(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def _held(name: str) -> set[str]:
    return _names(Group.objects.get(name=name).permissions.select_related("content_type"))


def _expected() -> dict[str, set[str]]:
    return {name: _names(perms) for name, perms in role_permissions().items()}


STALE = (
    "The groups made by migrate differ from cpdash.roles.role_permissions() for {name}: "
    "missing {missing}, extra {extra}. A migration that adds or removes models of facilities, "
    "programmes or targets must bring the groups up to date, e.g. with "
    'migrations.RunPython(importlib.import_module("targets.migrations.0002_role_groups").create_groups, '
    "migrations.RunPython.noop)."
)


@pytest.mark.django_db
def test_migrate_creates_the_three_groups_with_exactly_their_permissions():
    # No ensure_groups() here: the test database was built by migrate.
    assert set(Group.objects.values_list("name", flat=True)) >= {STAFF, MANAGERS, ADMINS}
    for name, permissions in _expected().items():
        held = _held(name)
        assert held == permissions, STALE.format(name=name, missing=permissions - held, extra=held - permissions)


@pytest.mark.django_db
def test_after_migrate_a_manager_can_change_nothing(manager_user):
    user = join(manager_user, MANAGERS)
    assert user.has_perm("targets.view_target")
    assert user.has_perm("facilities.view_facility")
    assert user.has_perm("programmes.view_survey")
    assert {p.split(".")[1].split("_")[0] for p in user.get_all_permissions()} == {"view", "publish"}
    assert user.has_perm("targets.publish_reportedition")


@pytest.mark.django_db
def test_the_migration_reverses_and_runs_again_on_a_database_without_permissions():
    migration, historical = _migration_module(), _historical_apps()
    migration.remove_groups(historical, None)
    assert not Group.objects.filter(name__in=(STAFF, MANAGERS, ADMINS)).exists()

    Permission.objects.all().delete()  # as on a fresh database, before post_migrate
    migration.create_groups(historical, None)
    _deletions_module().grant(historical, None)  # 0011: Staff delete their records

    for name, permissions in _expected().items():
        assert permissions and _held(name) == permissions, name


def _deletions_module():
    return importlib.import_module("targets.migrations.0011_staff_delete_records")


@pytest.mark.django_db
def test_staff_lose_the_deletions_when_their_migration_is_reversed_and_get_them_back():
    historical = _historical_apps()
    deletions = {f"programmes.delete_{name}" for name in STAFF_RECORDS}
    assert deletions <= _held(STAFF)

    _deletions_module().revoke(historical, None)
    assert not deletions & _held(STAFF)
    assert _held(MANAGERS) == _expected()[MANAGERS]  # the other groups untouched

    _deletions_module().grant(historical, None)
    assert _held(STAFF) == _expected()[STAFF]


def test_the_migration_copies_the_roles_instead_of_importing_them():
    source = Path(_migration_module().__file__).read_text(encoding="utf-8")
    assert "cpdash.roles" not in source.replace('"""', "").split("class Migration")[1]
    assert "import cpdash" not in source and "from cpdash" not in source
    assert _migration_module().STAFF_RECORDS == STAFF_RECORDS
    assert _deletions_module().STAFF_RECORDS == STAFF_RECORDS
    assert "cpdash" not in Path(_deletions_module().__file__).read_text(encoding="utf-8").split('"""')[2]
