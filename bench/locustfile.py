"""The clients of ``make bench-load`` (bench/load.py runs Locust on this file; not alone).

Each simulated client is one desk where a manager and a staff member are signed in
(two sessions, two cookie jars: bench/load.py signs the accounts in once, before the
levels, since a sign-in costs about 1.5 s of CPU). It goes round these four actions in
turn, each client starting at another one, waiting LOAD_THINK_MIN to LOAD_THINK_MAX
seconds between two, so that every level, a single client's included, does each:

- the manager opens the dashboard (``/dashboard/``, as it opens);
- the manager opens the facility list (``/facilities/``, first page);
- the staff member records a new outreach activity: opens ``/record/activities/new/``
  (the form, its CSRF token and its submit-once token), then posts it with one
  pasted facility code open on the day; a redirect is a save, anything else a failure;
- the manager opens the facility list again.

Every request goes only to LOAD_HOST, the 127.0.0.1 server bench/load.py started.
"""

import itertools
import json
import os
import random
import sys
import uuid
from pathlib import Path

from locust import HttpUser, between, task
from locust.clients import HttpSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import hidden_inputs

SETUP = json.loads(Path(os.environ["LOAD_SETUP"]).read_text(encoding="utf-8"))
THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", "0.5"))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", "1.5"))
DASHBOARD = "dashboard"
FACILITY_LIST = "facility list"
FORM = "staff form: new activity (GET)"
POST = "staff form: new activity (POST)"
_desks = itertools.count()


def activity(hidden: dict[str, str], code: str) -> dict[str, str]:
    """A new activity's post: the form's hidden inputs and a title no other post uses."""
    return {
        **hidden,
        "kind": "workshop",
        "title": f"Load test {uuid.uuid4().hex[:12]}",
        "held_on": SETUP["day"],
        "organiser": "Sở Công Thương",
        "venue": "Hội trường",
        "participants": "1",
        "paste": code,
    }


class Desk(HttpUser):
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self) -> None:
        desk = next(_desks)
        managers, staff = SETUP["sessions"]["manager"], SETUP["sessions"]["staff"]
        self.client.cookies.update(managers[desk % len(managers)])
        self.staff = HttpSession(base_url=self.host, request_event=self.environment.events.request, user=self)
        self.staff.cookies.update(staff[desk % len(staff)])
        actions = [self.dashboard, self.facility_list, self.new_activity, self.facility_list]
        start = desk % len(actions)
        self.actions = itertools.cycle(actions[start:] + actions[:start])

    @task
    def next_action(self) -> None:
        next(self.actions)()

    def dashboard(self) -> None:
        self.page("/dashboard/", DASHBOARD)

    def facility_list(self) -> None:
        self.page("/facilities/", FACILITY_LIST)

    def page(self, path: str, name: str) -> None:
        """A manager's page: anything but 200 (a redirect to the sign-in page included) is an error."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def new_activity(self) -> None:
        with self.staff.get("/record/activities/new/", name=FORM, allow_redirects=False, catch_response=True) as page:
            hidden = hidden_inputs(page.text) if page.status_code == 200 else {}
            if "csrfmiddlewaretoken" not in hidden:
                page.failure(f"no form ({page.status_code})")
                return
        code = random.choice(SETUP["codes"])
        with self.staff.post(
            "/record/activities/new/",
            data=activity(hidden, code),
            name=POST,
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": f"{self.host}/record/activities/new/"},
        ) as saved:
            if saved.status_code != 302:
                saved.failure(f"not saved ({saved.status_code})")
