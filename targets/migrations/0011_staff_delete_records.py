"""Staff delete the records they keep (cpdash.roles: "delete" joins STAFF_ACTIONS; a deletion
can be undone, cpdash.history). Copied, not imported from cpdash.roles, as 0002_role_groups
explains; reversed, Staff lose those permissions again.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = "Staff"
STAFF_RECORDS = (
    "outreachactivity",
    "attendance",
    "awarenessrecord",
    "survey",
    "cpoption",
    "technicalsupport",
    "solution",
    "resourcesaving",
    "specialist",
    "demonstrationmodel",
    "replication",
)


def _deletions(apps):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"delete_{name}" for name in STAFF_RECORDS]
    return Permission.objects.filter(content_type__app_label="programmes", codename__in=codenames)


def grant(apps, schema_editor) -> None:
    for app_config in apps.get_app_configs():  # on a fresh database they appear only after migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=STAFF)
    group.permissions.add(*_deletions(apps))


def revoke(apps, schema_editor) -> None:
    group = apps.get_model("auth", "Group").objects.filter(name=STAFF).first()
    if group is not None:
        group.permissions.remove(*_deletions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("targets", "0010_letterhead"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
