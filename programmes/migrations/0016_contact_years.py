"""The calendar years of each facility's contacts on its pathway rows
(FacilityPathway.contact_years, one bit a year): the facilities reached per year read them
instead of a UNION of every contact record (docs/performance.md).

Existing rows start at 0 (no year), then the pathway is written again from the records
(pathway.derive_in_migration, which rebuilds an empty pathway): emptied here so that it is.
Reversible: the column is dropped; the pathway without it is as before.
"""

from django.db import migrations, models


def derive_pathway(apps, schema_editor):
    from programmes import pathway

    for name in ("SavingStep", "VerifiedSavingStep", "FacilityPathway"):  # derived rows: nothing refers to them
        schema_editor.execute(f"DELETE FROM {schema_editor.quote_name(apps.get_model('programmes', name)._meta.db_table)}")
    pathway.derive_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0015_pathway_measured"),
    ]

    operations = [
        migrations.AddField(
            model_name="facilitypathway",
            name="contact_years",
            field=models.BigIntegerField(
                db_default=0,
                default=0,
                help_text="The calendar years with a contact of any kind, one bit a year.",
                verbose_name="years with a contact",
            ),
        ),
        migrations.RunPython(derive_pathway, migrations.RunPython.noop),
    ]
