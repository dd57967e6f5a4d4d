"""The pathway gets one row per unit membership of a facility (a facility that moved
has one per unit it was in), and its saving steps one copy per row: the tables are
derived, so they are recreated and filled from the records (programmes/pathway.py).
Backwards the old tables come back with one row per facility holding its register
fields and no milestone (the saving steps of 0009 need those rows): run ``manage.py
rebuild_pathway`` with the code of the earlier commit for the milestones."""

import django.db.models.deletion
from django.db import migrations, models


def fill_pathway(apps, schema_editor):
    """Derive the pathway of the records already stored (none on a fresh database),
    with today's programmes.pathway (see 0003_pathway); when today's code reads columns
    of a later migration, that migration derives it (pathway.derive_in_migration)."""
    from programmes import pathway

    pathway.derive_in_migration(apps)


def old_pathway_rows(apps, schema_editor):
    """Backwards: a row per facility in the old one-row-per-facility pathway, register fields only."""
    Facility = apps.get_model("facilities", "Facility")
    FacilityPathway = apps.get_model("programmes", "FacilityPathway")
    using = schema_editor.connection.alias
    rows = Facility.objects.using(using).values_list(
        "pk", "in_scope", "opened_on", "closed_on", "sector_id", "unit_id", "area__kind", "kind"
    )
    FacilityPathway.objects.using(using).bulk_create(
        (
            FacilityPathway(
                facility_id=pk,
                in_scope=in_scope,
                opened_on=opened_on,
                closed_on=closed_on,
                sector_id=sector_id,
                unit_id=unit_id,
                area_kind=area_kind or "",
                kind=kind,
            )
            for pk, in_scope, opened_on, closed_on, sector_id, unit_id, area_kind, kind in rows.iterator()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0009_exact_savings"),
        ("facilities", "0005_unit_levels_and_memberships"),
    ]

    operations = [
        # Backwards, last: the old tables' rows.
        migrations.RunPython(migrations.RunPython.noop, old_pathway_rows),
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
                ("best", models.DecimalField(decimal_places=4, max_digits=26, verbose_name="best saving (%)")),
                (
                    "previous",
                    models.DecimalField(
                        decimal_places=4, max_digits=26, null=True, verbose_name="previous best saving (%)"
                    ),
                ),
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
