"""The import permissions ("import_<model>", Meta.default_permissions of the five models
imported from spreadsheets) go to the Admins group, and to no other.

Before, the admin's imports asked for "add_<model>" (IMPORT_EXPORT_IMPORT_PERMISSION_CODE),
which Staff hold for their records: any staff member with "Staff status" could bulk-import.
Copied, not imported from cpdash.roles, as 0002_role_groups explains.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMINS = "Admins"
IMPORTED = {"facilities": ("facility",), "programmes": ("specialist", "outreachactivity", "survey", "solution")}


def _import_permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():  # on a fresh database they appear only after migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return [
        Permission.objects.get(content_type__app_label=label, codename=f"import_{model}")
        for label, models in IMPORTED.items()
        for model in models
    ]


def grant(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    permissions = _import_permissions(apps)
    group, _created = Group.objects.get_or_create(name=ADMINS)
    group.permissions.add(*permissions)
    for other in Group.objects.exclude(name=ADMINS):
        other.permissions.remove(*permissions)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(codename__in=[f"import_{m}" for models in IMPORTED.values() for m in models]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("facilities", "0004_import_permission"),
        ("programmes", "0005_import_permission"),
        ("targets", "0003_history"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
