"""Evidence levels for savings (issue 13): how each saving is known (ResourceSaving.evidence,
default self-reported), how far each solution has come (Solution.stage, default implemented;
verified_on for a verified one), and the pathway columns that follow them
(FacilityPathway.verified_on, SavingStep.evidence, VerifiedSavingStep).

Existing records become "self-reported, implemented": their figures do not move, and the
pathway stays true without a rebuild (every saving step is of self-reported savings, no
solution is verified yet). Only a pathway left empty by an earlier migration run with
older columns (0010_pathway_per_membership) is derived here, at the end. Reversible: the
new columns and table are dropped.
"""

import django.db.models.deletion
from django.db import migrations, models


def derive_pathway(apps, schema_editor):
    from programmes import pathway

    pathway.derive_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0006_register_versions"),
        ("programmes", "0012_reported_savings"),
    ]

    operations = [
        migrations.CreateModel(
            name="VerifiedSavingStep",
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
                    "evidence",
                    models.CharField(
                        choices=[
                            ("self_reported", "self-reported"),
                            ("estimated", "estimated by an engineer"),
                            ("measured", "measured (metered data or invoices)"),
                            ("audited", "audited"),
                        ],
                        db_default="self_reported",
                        default="self_reported",
                        max_length=20,
                        verbose_name="evidence",
                    ),
                ),
            ],
            options={
                "verbose_name": "verified saving step",
                "verbose_name_plural": "verified saving steps",
            },
        ),
        migrations.AddField(
            model_name="facilitypathway",
            name="verified_on",
            field=models.DateField(null=True, verbose_name="first verified CP solution"),
        ),
        migrations.AddField(
            model_name="historicalresourcesaving",
            name="evidence",
            field=models.CharField(
                choices=[
                    ("self_reported", "self-reported"),
                    ("estimated", "estimated by an engineer"),
                    ("measured", "measured (metered data or invoices)"),
                    ("audited", "audited"),
                ],
                db_default="self_reported",
                default="self_reported",
                help_text="How the saving is known: self-reported, estimated by an engineer, measured, or audited.",
                max_length=20,
                verbose_name="evidence",
            ),
        ),
        migrations.AddField(
            model_name="historicalsolution",
            name="stage",
            field=models.CharField(
                choices=[
                    ("identified", "identified only"),
                    ("implemented", "implemented"),
                    ("verified", "verified after a period"),
                ],
                db_default="implemented",
                default="implemented",
                help_text="Only identified: not yet applying CP. Verified: checked after a period of operation.",
                max_length=20,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="historicalsolution",
            name="verified_on",
            field=models.DateField(
                blank=True,
                help_text="Only for a verified solution: the day the saving was verified, after implementation.",
                null=True,
                verbose_name="verified on",
            ),
        ),
        migrations.AddField(
            model_name="resourcesaving",
            name="evidence",
            field=models.CharField(
                choices=[
                    ("self_reported", "self-reported"),
                    ("estimated", "estimated by an engineer"),
                    ("measured", "measured (metered data or invoices)"),
                    ("audited", "audited"),
                ],
                db_default="self_reported",
                default="self_reported",
                help_text="How the saving is known: self-reported, estimated by an engineer, measured, or audited.",
                max_length=20,
                verbose_name="evidence",
            ),
        ),
        migrations.AddField(
            model_name="savingstep",
            name="evidence",
            field=models.CharField(
                choices=[
                    ("self_reported", "self-reported"),
                    ("estimated", "estimated by an engineer"),
                    ("measured", "measured (metered data or invoices)"),
                    ("audited", "audited"),
                ],
                db_default="self_reported",
                default="self_reported",
                max_length=20,
                verbose_name="evidence",
            ),
        ),
        migrations.AddField(
            model_name="solution",
            name="stage",
            field=models.CharField(
                choices=[
                    ("identified", "identified only"),
                    ("implemented", "implemented"),
                    ("verified", "verified after a period"),
                ],
                db_default="implemented",
                default="implemented",
                help_text="Only identified: not yet applying CP. Verified: checked after a period of operation.",
                max_length=20,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="solution",
            name="verified_on",
            field=models.DateField(
                blank=True,
                help_text="Only for a verified solution: the day the saving was verified, after implementation.",
                null=True,
                verbose_name="verified on",
            ),
        ),
        migrations.AlterField(
            model_name="historicalsolution",
            name="implemented_on",
            field=models.DateField(
                help_text="For a solution only identified: the day it was identified.", verbose_name="implemented on"
            ),
        ),
        migrations.AlterField(
            model_name="solution",
            name="implemented_on",
            field=models.DateField(
                help_text="For a solution only identified: the day it was identified.", verbose_name="implemented on"
            ),
        ),
        migrations.AddConstraint(
            model_name="solution",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("stage", "verified"), ("verified_on__isnull", False)),
                    models.Q(models.Q(("stage", "verified"), _negated=True), ("verified_on__isnull", True)),
                    _connector="OR",
                ),
                name="solution_verified_on_iff_verified",
                violation_error_message="A verified solution needs the day it was verified; only a verified one has that day.",
            ),
        ),
        migrations.AddConstraint(
            model_name="solution",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("verified_on__isnull", True), ("verified_on__gte", models.F("implemented_on")), _connector="OR"
                ),
                name="solution_verified_after_implemented",
                violation_error_message="A solution cannot be verified before it was implemented.",
            ),
        ),
        migrations.AddField(
            model_name="verifiedsavingstep",
            name="facility",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="verified_saving_steps",
                to="facilities.facility",
                verbose_name="facility",
            ),
        ),
        migrations.AddField(
            model_name="verifiedsavingstep",
            name="pathway",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="verified_saving_steps",
                to="programmes.facilitypathway",
                verbose_name="CP pathway",
            ),
        ),
        migrations.AddIndex(
            model_name="verifiedsavingstep",
            index=models.Index(fields=["resource", "since"], name="verified_step_resource_since"),
        ),
        migrations.AddConstraint(
            model_name="verifiedsavingstep",
            constraint=models.UniqueConstraint(
                fields=("pathway", "resource", "since"), name="verified_step_once_per_day"
            ),
        ),
        migrations.RunPython(derive_pathway, migrations.RunPython.noop),
    ]
