"""Every URL pattern of the project, asked for by each kind of visitor.

The patterns come from the resolver itself, so a new page cannot slip in
unclassified: add it to EXPECTED (or, for the admin, check admin_expected())
with the answer each role must get.

Roles, in this order in the table: anonymous, outsider (signed in, no
group), staff (Staff group), manager (Managers group), admin (superuser in the
Admins group).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from cpdash.roles import ADMINS, MANAGERS, STAFF, ensure_groups
from programmes.models import Programme

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "staff", "manager", "admin")
LOGIN = "login"  # 302 to the sign-in page, with ?next= this page
ADMIN_LOGIN = "admin-login"  # 302 to the admin's sign-in page
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405

ALL = (OK,) * 5
SIGNED_IN = (LOGIN, OK, OK, OK, OK)
READ = (LOGIN, FORBIDDEN, OK, OK, OK)  # the register, lists, dashboard, reports: every role
RECORD = (LOGIN, FORBIDDEN, OK, FORBIDDEN, OK)  # recording forms: staff and admins

# Answers to GET, by URL name, for (anonymous, outsider, staff, manager, admin).
EXPECTED: dict[str, tuple] = {
    "home": SIGNED_IN,
    "healthz": ALL,
    "login": ALL,
    "logout": (NOT_ALLOWED,) * 5,  # POST only
    "set_language": (REDIRECT,) * 5,  # GET changes nothing and goes back
    "profile": SIGNED_IN,
    "programmes:facility_search": READ,
    # POST only (pasted codes), for whoever may read the register; others are refused first.
    "programmes:facility_codes": (LOGIN, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "programmes:survey_list": READ,
    "programmes:survey_create": RECORD,
    "programmes:survey_edit": RECORD,
    "programmes:activity_list": READ,
    "programmes:activity_create": RECORD,
    "programmes:activity_edit": RECORD,
    "programmes:solution_list": READ,
    "programmes:solution_create": RECORD,
    "programmes:solution_edit": RECORD,
    "programmes:specialist_list": READ,
    "programmes:specialist_appoint": RECORD,
    "programmes:specialist_departure": RECORD,
    "programmes:specialist_edit": RECORD,
    "programmes:record_delete": RECORD,  # its confirmation page; the deletion is its POST
    "programmes:record_restore": (LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),  # POST only
    "programmes:demonstration_list": READ,
    "programmes:demonstration_create": RECORD,
    "programmes:demonstration_edit": RECORD,
    "programmes:replication_list": READ,
    "programmes:replication_create": RECORD,
    "programmes:replication_edit": RECORD,
    "targets:dashboard": READ,
    "targets:dashboard_export": READ,
    "targets:report": READ,
    "targets:report_xlsx": READ,
    "targets:report_pdf": READ,
    # POST only, for managers (and admins); others are refused before the method is looked at.
    "targets:report_publish": (LOGIN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED),
    # Published and live side by side: not found until the year has an edition (the samples' has none).
    "targets:report_changes": (LOGIN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "targets:indicators": READ,
    "targets:series": READ,
    "targets:behind": READ,
    "facilities:list": READ,
    "facilities:reach_next": READ,
    "facilities:detail": READ,
    "register:versions": READ,
    "register:version": READ,
    # A job is its owner's (and a superuser's): others get 404, as if it did not exist.
    "jobs:list": SIGNED_IN,
    "jobs:detail": (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    "jobs:status": (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    "jobs:download": (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    "jobs:confirm": (NOT_ALLOWED,) * 5,  # POST only
    "jobs:cancel": (NOT_ALLOWED,) * 5,  # POST only
}
RECORDING_FORMS = [name for name, answers in EXPECTED.items() if answers == RECORD]

# URL name → the model whose pk fills <int:pk>.
PK_MODELS = {
    "programmes:survey_edit": "programmes.survey",
    "programmes:activity_edit": "programmes.outreachactivity",
    "programmes:solution_edit": "programmes.solution",
    "programmes:specialist_departure": "programmes.specialist",
    "programmes:specialist_edit": "programmes.specialist",
    "programmes:demonstration_edit": "programmes.demonstrationmodel",
    "programmes:replication_edit": "programmes.replication",
    "programmes:record_delete": "programmes.survey",
    "targets:behind": "targets.target",
    "jobs:detail": "jobs.job",
    "jobs:status": "jobs.job",
    "jobs:download": "jobs.job",
    "jobs:confirm": "jobs.job",
    "jobs:cancel": "jobs.job",
}

# Admin views that answer a superuser with something else than 200 on GET.
ADMIN_SUPERUSER = {
    "admin:login": REDIRECT,  # already signed in: on to the index
    "admin:logout": NOT_ALLOWED,  # POST only
    "admin:autocomplete": FORBIDDEN,  # needs its query parameters
    "admin:view_on_site": NOT_FOUND,  # no model has get_absolute_url
    "admin:targets_reportedition_add": FORBIDDEN,  # editions are published from the report page
    "admin:targets_digestsent_add": FORBIDDEN,  # the worker records the digests it sends
    # One letterhead: its list and "add" open it; it cannot be deleted.
    "admin:targets_letterhead_changelist": REDIRECT,
    "admin:targets_letterhead_add": REDIRECT,
    "admin:targets_letterhead_delete": FORBIDDEN,
    "admin:facilities_administrativeunit_reorganise": REDIRECT,  # no unit chosen: back to the list of units
}
# import-export's second step, and a deleted record's "Restore": POST only.
ADMIN_SUPERUSER_BY_SUFFIX = {"_process_import": NOT_ALLOWED, "_restore": NOT_ALLOWED}


@dataclass(frozen=True)
class Pattern:
    key: str  # the URL name, or "<route> (unnamed)"
    route: str
    pattern: URLPattern

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    """Every URLPattern below the root resolver, with its full route and namespaced name."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else f"{route} (unnamed)"
            yield Pattern(name, route, entry)


PATTERNS = list(walk())


def admin_expected(pattern: Pattern) -> tuple:
    """The admin needs staff status: everyone but the superuser is sent to its sign-in."""
    if pattern.key == "admin:login":
        return (OK, OK, OK, OK, REDIRECT)
    if pattern.key == "admin:logout":
        return (REDIRECT, REDIRECT, REDIRECT, REDIRECT, NOT_ALLOWED)  # to the admin index
    superuser = ADMIN_SUPERUSER.get(pattern.key)
    if superuser is None and pattern.key.endswith(" (unnamed)"):
        # <object_id>/ → its change page; the catch-all answers 404 to staff.
        superuser = NOT_FOUND if "(?P<url>" in pattern.route else REDIRECT
    if superuser is None:
        superuser = next((v for s, v in ADMIN_SUPERUSER_BY_SUFFIX.items() if pattern.key.endswith(s)), OK)
    return (ADMIN_LOGIN,) * 4 + (superuser,)


def expected(pattern: Pattern) -> tuple:
    if pattern.is_admin:
        return admin_expected(pattern)
    if pattern.key not in EXPECTED:
        pytest.fail(
            f"URL pattern {pattern.key!r} ({pattern.route}) is not classified: add it to EXPECTED in "
            f"{__name__.replace('.', '/')}.py with the answer anonymous, outsider, staff, manager and admin get."
        )
    return EXPECTED[pattern.key]


# --- Sample URLs ------------------------------------------------------------------


def _admin_model(key: str, objects: dict[str, Model]) -> Model | None:
    """The sample object of ``admin:<app>_<model>_<view>``, or None for site-wide views."""
    return next((obj for label, obj in objects.items() if key.startswith(f"admin:{label.replace('.', '_')}_")), None)


def sample_url(pattern: Pattern, objects: dict[str, Model]) -> str:
    """A URL for the pattern, its parameters filled from the sample objects."""
    facility = objects["facilities.facility"]
    if pattern.key.endswith(" (unnamed)"):
        if "(?P<url>" in pattern.route:
            return "/admin/no-such-page/"
        app_label, model_name = pattern.route.split("/")[1:3]
        return "/" + pattern.route.replace("<path:object_id>", str(objects[f"{app_label}.{model_name}"].pk))
    converters = pattern.pattern.pattern.converters if isinstance(pattern.pattern.pattern, RoutePattern) else {}
    if pattern.key.endswith("_simple_history"):  # a regex with two unnamed groups: object, version
        obj = _admin_model(pattern.key, objects)
        return reverse(pattern.key, args=[obj.pk, obj.history.latest().history_id])
    if pattern.key == "admin:app_list":
        return reverse(pattern.key, kwargs={"app_label": "facilities"})
    if pattern.key == "admin:view_on_site":
        from django.contrib.contenttypes.models import ContentType

        kwargs = {"content_type_id": ContentType.objects.get_for_model(facility).pk, "object_id": facility.pk}
        return reverse(pattern.key, kwargs=kwargs)
    kwargs = {}
    for name in converters:
        if name in ("object_id", "id"):
            kwargs[name] = _admin_model(pattern.key, objects).pk
        elif name == "pk":
            kwargs[name] = objects[PK_MODELS[pattern.key]].pk
        elif name == "year":
            kwargs[name] = Programme.objects.earliest("starts_on").starts_on.year
        elif name == "fmt":
            kwargs[name] = "csv"
        elif name == "code":
            kwargs[name] = facility.code
        elif name == "number":
            kwargs[name] = objects["facilities.registerversion"].number
        elif name == "kind":
            kwargs[name] = "surveys"
        elif name == "history_id":
            kwargs[name] = 1  # a deletion's history entry: "Restore" is POST only
        else:
            pytest.fail(f"No sample value for <{name}> in {pattern.key}: add one to sample_url()")
    url = reverse(pattern.key, kwargs=kwargs)
    if pattern.key == "targets:dashboard_export":
        url += f"?phase={objects['targets.target'].phase_id}"
    return url


# --- Actors -----------------------------------------------------------------------


def _member(user: User, group: str) -> User:
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def actors(outsider, staff_user, manager_user, admin_user) -> dict[str, User | None]:
    ensure_groups()
    return {
        "anonymous": None,
        "outsider": outsider,
        "staff": _member(staff_user, STAFF),
        "manager": _member(manager_user, MANAGERS),
        "admin": _member(admin_user, ADMINS),
    }


@pytest.fixture
def samples(one_of_everything) -> dict[str, Model]:
    return one_of_everything


def answer(response) -> int | str:
    """The status, or LOGIN / ADMIN_LOGIN for a redirect to either sign-in page."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(f"{reverse('admin:login')}?next="):
            return ADMIN_LOGIN
        if location.startswith(f"{reverse('login')}?next="):
            return LOGIN
    return response.status_code


# --- Tests ------------------------------------------------------------------------


def test_every_url_pattern_is_classified():
    unclassified = [p.key for p in PATTERNS if not p.is_admin and p.key not in EXPECTED]
    assert unclassified == [], (
        f"Classify these URL patterns in EXPECTED ({__file__}): the answer anonymous, outsider, "
        f"staff, manager and admin get: {unclassified}"
    )
    stale = set(EXPECTED) - {p.key for p in PATTERNS}
    assert stale == set(), f"EXPECTED names URL patterns that no longer exist: {sorted(stale)}"


def test_the_walk_sees_every_app_and_the_admin():
    keys = {p.key for p in PATTERNS}
    assert {"home", "healthz", "targets:dashboard", "facilities:list", "programmes:survey_create"} <= keys
    assert {"admin:index", "admin:facilities_facility_changelist", "admin:auth_user_changelist"} <= keys
    assert len(PATTERNS) > 100


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_from_every_url(client, actors, samples, role):
    user = actors[role]
    if user is not None:
        client.force_login(user)
    wrong = []
    for pattern in PATTERNS:
        want = expected(pattern)[ROLES.index(role)]
        url = sample_url(pattern, samples)
        got = answer(client.get(url))
        if got != want:
            wrong.append(f"{pattern.key} GET {url}: expected {want}, got {got}")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", RECORDING_FORMS)
def test_managers_can_change_nothing(client, actors, samples, name):
    pattern = next(p for p in PATTERNS if p.key == name)
    url = sample_url(pattern, samples)
    client.force_login(actors["manager"])
    assert client.post(url, {"facility": samples["facilities.facility"].pk}).status_code == FORBIDDEN
    client.logout()
    assert answer(client.post(url, {})) == LOGIN


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_an_unknown_export_format_is_not_found(client, actors, samples, role):
    client.force_login(actors[role])
    phase = samples["targets.target"].phase_id
    url = reverse("targets:dashboard_export", kwargs={"fmt": "pdf"}) + f"?phase={phase}"
    assert client.get(url).status_code == NOT_FOUND
    assert client.get(url.replace(".pdf", ".csv")).status_code == OK


def test_a_report_for_a_year_without_programme_is_not_found(client, actors, samples):
    client.force_login(actors["manager"])
    year = Programme.objects.earliest("starts_on").starts_on.year - 1
    assert client.get(reverse("targets:report", kwargs={"year": year})).status_code == NOT_FOUND
    assert client.get(reverse("targets:report", kwargs={"year": dt.date.today().year + 2})).status_code == NOT_FOUND
