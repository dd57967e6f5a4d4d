"""The three roles of docs/domain.md as Django groups, defined in code.

- Staff record what the programme does (outreach, surveys, support,
  solutions and savings, specialists, demonstration models), correct and
  delete those records (a deletion can be undone: cpdash.history), and see
  the register and the targets.
- Managers follow progress: they see everything and change nothing, but
  publish the results report (an edition: targets.models.ReportEdition).
- Admins keep the register, the programme and its targets, and the users. They
  alone import spreadsheets in the admin: the "import_<model>" permissions of
  the imported models (cpdash.models.IMPORTED_PERMISSIONS) are theirs only.

``ensure_groups()`` makes each group hold exactly these permissions, so that
running it again (``load_demo`` does) also undoes edits made by hand.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

STAFF, MANAGERS, ADMINS = "Staff", "Managers", "Admins"
ROLE_APPS = ("facilities", "programmes", "targets")
# What staff record; the programme, its phases and targets are the admins'.
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
STAFF_ACTIONS = ("add", "change", "delete", "view")
ADMIN_AUTH_MODELS = ("user", "group")
#: What managers do besides viewing (Admins hold every permission of the targets app).
MANAGER_PERMISSIONS = Q(content_type__app_label="targets", codename="publish_reportedition")


def ensure_groups() -> None:
    """Create or update the Staff, Managers and Admins groups."""
    _ensure_permissions_exist()
    for name, permissions in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def role_permissions() -> dict[str, list[Permission]]:
    """Group name → the permissions it holds."""
    view_all = _codenames(ROLE_APPS, ("view",))
    staff = view_all | _codenames(("programmes",), STAFF_ACTIONS, STAFF_RECORDS)
    admins = Q(content_type__app_label__in=ROLE_APPS) | Q(
        content_type__app_label="auth", content_type__model__in=ADMIN_AUTH_MODELS
    )
    return {
        STAFF: list(Permission.objects.filter(staff)),
        MANAGERS: list(Permission.objects.filter(view_all | MANAGER_PERMISSIONS)),
        ADMINS: list(Permission.objects.filter(admins)),
    }


def _codenames(app_labels: tuple[str, ...], actions: tuple[str, ...], models: tuple[str, ...] | None = None) -> Q:
    """Permissions ``<action>_<model>`` on the given models (default: all) of the apps."""
    query = Q()
    for label in app_labels:
        names = models or tuple(m._meta.model_name for m in apps.get_app_config(label).get_models())
        codenames = [f"{action}_{name}" for action in actions for name in names]
        query |= Q(content_type__app_label=label, codename__in=codenames)
    return query


def _ensure_permissions_exist() -> None:
    """post_migrate makes the permissions after every migrate; making sure
    costs a few queries and spares callers a confusing half-empty group."""
    for label in ("auth", *ROLE_APPS):
        create_permissions(apps.get_app_config(label), verbosity=0)


def managers():
    """Active users of the Managers group, by user name."""
    return get_user_model().objects.filter(is_active=True, groups__name=MANAGERS).order_by("username")


def is_manager(user) -> bool:
    """Whether ``user`` (signed in) is in the Managers group. 1 query."""
    return user.is_authenticated and user.groups.filter(name=MANAGERS).exists()
