"""python manage.py rebuild_pathway: write every facility's CP pathway again from its records."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cpdash.database import analyze, lift_statement_timeout
from programmes import pathway
from programmes.models import FacilityPathway, SavingStep, VerifiedSavingStep


class Command(BaseCommand):
    help = "Write every facility's CP pathway (first dates, saving steps) again from the records."

    def handle(self, *args, **options) -> None:
        lift_statement_timeout()  # one statement per milestone over every record: longer than a request may take
        pathway.rebuild()
        # Fresh rows need statistics before the first dashboard.
        analyze(FacilityPathway, SavingStep, VerifiedSavingStep)
        self.stdout.write(
            _("Pathway rebuilt: %(rows)d facilities, %(steps)d saving steps.")
            % {"rows": FacilityPathway.objects.count(), "steps": SavingStep.objects.count()}
        )
