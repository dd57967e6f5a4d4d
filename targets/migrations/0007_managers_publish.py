"""The groups take in the two new models (0005: view for Staff and Managers, all for
Admins, by 0002_role_groups' own spec), and Managers publish the results report:
"publish_reportedition" goes to Managers and Admins (who hold every permission of the
targets app), and to no other. Copied, not imported from cpdash.roles, as 0002_role_groups
explains.
"""

import importlib

from django.contrib.auth.management import create_permissions
from django.db import migrations

PUBLISHERS = ("Managers", "Admins")
CODENAME = "publish_reportedition"


def _permission(apps):
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():  # on a fresh database they appear only after migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return Permission.objects.get(content_type__app_label="targets", codename=CODENAME)


def grant(apps, schema_editor) -> None:
    importlib.import_module("targets.migrations.0002_role_groups").create_groups(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    permission = _permission(apps)
    for name in PUBLISHERS:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)
    for other in Group.objects.exclude(name__in=PUBLISHERS):
        other.permissions.remove(permission)


def revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="targets", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("targets", "0006_report_editions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
