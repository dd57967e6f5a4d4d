from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Facility register")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from facilities import membership
        from facilities.jobs import FACILITY_IMPORT
        from facilities.models import Facility
        from jobs.kinds import register

        register(FACILITY_IMPORT.kind())
        # Connected before the apps above facilities connect theirs (programmes' pathway reads
        # the memberships): receivers run in the order they were connected.
        post_save.connect(membership.facility_saved, sender=Facility, dispatch_uid="membership-facility")
