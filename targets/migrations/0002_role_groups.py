"""The Staff, Managers and Admins groups with their permissions (see cpdash/roles.py).

The permission spec is copied here, not imported: a migration must keep doing
what it did when it was written, whatever cpdash.roles says later. A later
change to the roles needs a migration of its own (or ``ensure_groups()``).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

STAFF, MANAGERS, ADMINS = "Staff", "Managers", "Admins"
ROLE_APPS = ("facilities", "programmes", "targets")
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
STAFF_ACTIONS = ("add", "change", "view")
ADMIN_AUTH_MODELS = ("user", "group")


def _codenames(apps, app_labels, actions, models=None) -> Q:
    query = Q()
    for label in app_labels:
        names = models or tuple(m._meta.model_name for m in apps.get_app_config(label).get_models())
        query |= Q(content_type__app_label=label, codename__in=[f"{a}_{n}" for a in actions for n in names])
    return query


def _create_permissions(apps) -> None:
    """On a fresh database the permissions only appear after migrate (post_migrate): make them now."""
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions skips those.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor) -> None:
    _create_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_all = _codenames(apps, ROLE_APPS, ("view",))
    staff = view_all | _codenames(apps, ("programmes",), STAFF_ACTIONS, STAFF_RECORDS)
    admins = Q(content_type__app_label__in=ROLE_APPS) | Q(
        content_type__app_label="auth", content_type__model__in=ADMIN_AUTH_MODELS
    )
    for name, query in ((STAFF, staff), (MANAGERS, view_all), (ADMINS, admins)):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(query))


def remove_groups(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=(STAFF, MANAGERS, ADMINS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("facilities", "0002_history"),
        ("programmes", "0002_history"),
        ("targets", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
