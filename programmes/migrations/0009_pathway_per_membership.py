"""The pathway gets one row per unit membership of a facility (a facility that moved
has one per unit it was in), and its saving steps one copy per row: the tables are
derived, so they are recreated and filled from the records (programmes/pathway.py).
Backwards the old tables come back empty: run ``manage.py rebuild_pathway`` with the
code of the earlier commit."""

import django.db.models.deletion
from django.db import migrations, models


def fill_pathway(apps, schema_editor):
    """Derive the pathway of the records already stored (none on a fresh database),
    with today's programmes.pathway (see 0003_pathway)."""
    if not apps.get_model("facilities", "Facility").objects.exists():
        return
    from programmes import pathway

    pathway.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0008_specialist_left_on_meaning"),
        ("facilities", "0005_unit_levels_and_memberships"),
    ]

    operations = [
        migrations.DeleteModel(name="SavingStep"),
        migrations.DeleteModel(name="FacilityPathway"),
        migrations.CreateModel(
            name="FacilityPathway",
            fields=[
                (
                    "membership",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pathway",
                        serialize=False,
                        to="facilities.unitmembership",
                        verbose_name="unit membership",
                    ),
                ),
                ("since", models.DateField(null=True, verbose_name="in this unit since")),
                ("until", models.DateField(null=True, verbose_name="moved out on")),
                ("in_scope", models.BooleanField(verbose_name="counts toward targets")),
                ("opened_on", models.DateField(null=True, verbose_name="opened on")),
                ("closed_on", models.DateField(null=True, verbose_name="closed on")),
                ("sector_id", models.BigIntegerField(verbose_name="sector")),
                ("unit_id", models.BigIntegerField(verbose_name="administrative unit")),
                ("area_id", models.BigIntegerField(null=True, verbose_name="production area")),
                ("area_kind", models.CharField(blank=True, max_length=20, verbose_name="area type")),
                ("kind", models.CharField(max_length=20, verbose_name="kind")),
                ("attended_on", models.DateField(null=True, verbose_name="first outreach activity")),
                ("awareness_recorded_on", models.DateField(null=True, verbose_name="first awareness record")),
                ("surveyed_on", models.DateField(null=True, verbose_name="first CP survey")),
                ("supported_on", models.DateField(null=True, verbose_name="first technical support")),
                ("applying_on", models.DateField(null=True, verbose_name="first CP solution")),
                ("measured_on", models.DateField(null=True, verbose_name="first measured saving")),
                ("hosted_on", models.DateField(null=True, verbose_name="first demonstration model hosted")),
                ("replicated_on", models.DateField(null=True, verbose_name="first replication")),
                (
                    "aware_on",
                    models.DateField(
                        help_text="The earliest contact of any kind.", null=True, verbose_name="aware of CP since"
                    ),
                ),
                (
                    "facility",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pathways",
                        to="facilities.facility",
                        verbose_name="facility",
                    ),
                ),
            ],
            options={
                "verbose_name": "CP pathway",
                "verbose_name_plural": "CP pathways",
            },
        ),
        migrations.CreateModel(
            name="SavingStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("resource", models.CharField(blank=True, max_length=20, verbose_name="resource")),
                ("since", models.DateField(verbose_name="since")),
                ("until", models.DateField(null=True, verbose_name="until")),
                ("best", models.FloatField(verbose_name="best saving (%)")),
                ("previous", models.FloatField(null=True, verbose_name="previous best saving (%)")),
                (
                    "facility",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saving_steps",
                        to="facilities.facility",
                        verbose_name="facility",
                    ),
                ),
                (
                    "pathway",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saving_steps",
                        to="programmes.facilitypathway",
                        verbose_name="CP pathway",
                    ),
                ),
            ],
            options={
                "verbose_name": "saving step",
                "verbose_name_plural": "saving steps",
            },
        ),
        migrations.AddIndex(
            model_name="facilitypathway",
            index=models.Index(fields=["aware_on"], name="programmes__aware_o_0ae187_idx"),
        ),
        migrations.AddIndex(
            model_name="facilitypathway",
            index=models.Index(fields=["unit_id"], name="programmes__unit_id_cc2287_idx"),
        ),
        migrations.AddIndex(
            model_name="savingstep",
            index=models.Index(fields=["resource", "since"], name="programmes__resourc_596e4b_idx"),
        ),
        migrations.AddConstraint(
            model_name="savingstep",
            constraint=models.UniqueConstraint(
                fields=("pathway", "resource", "since"), name="saving_step_once_per_day"
            ),
        ),
        migrations.RunPython(fill_pathway, migrations.RunPython.noop),
    ]
