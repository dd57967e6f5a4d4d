# The pathway's unit and area as relations over its unit_id and area_id columns (a join for a list
# sorted by where each facility was on its day): no column, index or constraint is added, so this
# changes the models' state alone: on SQLite too, whose schema editor would otherwise copy the
# whole table for an AddField. Reversible as such.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0011_register_change_keeps_a_deleted_facilitys_id"),
        ("programmes", "0017_pathway_aware_index_partial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="facilitypathway",
                    name="area",
                    field=models.ForeignObject(
                        from_fields=["area_id"],
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="facilities.productionarea",
                        to_fields=["id"],
                    ),
                ),
                migrations.AddField(
                    model_name="facilitypathway",
                    name="unit",
                    field=models.ForeignObject(
                        from_fields=["unit_id"],
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="facilities.administrativeunit",
                        to_fields=["id"],
                    ),
                ),
            ],
        ),
    ]
