# Index entries and key checks an import of facilities writes for nothing (docs/performance.md,
# "A plan that reads the register, a sequence named per row, index entries for nothing"):
#
# - the area of a facility and of a unit membership is indexed only where there is one (every
#   lookup by area names one). The full indexes are dropped and the partial ones created by
#   name, leaving the foreign keys alone: an AlterField would drop and add again each foreign
#   key, checking every row of both tables under an exclusive lock;
# - a register change's units and sectors before and after lose their database constraints
#   (copies of what the facility's own constraints checked; Django's SET_NULL clears them).
#   Backwards, the constraints come back after any id that no longer names a unit or sector is
#   cleared (none can have come from the application, which deletes through Django).

from django.db import migrations, models

import django.db.models.deletion

AREA_INDEXES = (
    ("facilities_facility", "facilities_facility_area_id_4272d17d"),
    ("facilities_unitmembership", "facilities_unitmembership_area_id_90427d74"),
)

LOGGED = (
    ("unit_before_id", "facilities_administrativeunit"),
    ("unit_after_id", "facilities_administrativeunit"),
    ("sector_before_id", "facilities_sector"),
    ("sector_after_id", "facilities_sector"),
)


def logged_reference(to, verbose_name):
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0009_facility_unit_index_in_composite"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model_name,
                    name="area",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name=related_name,
                        to="facilities.productionarea",
                        verbose_name="production area",
                    ),
                )
                for model_name, related_name in (("facility", "facilities"), ("unitmembership", "memberships"))
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("area_id")',
                )
                for table, index in AREA_INDEXES
            ],
        ),
        migrations.AddIndex(
            model_name="facility",
            index=models.Index(condition=models.Q(("area__isnull", False)), fields=["area"], name="facility_area"),
        ),
        migrations.AddIndex(
            model_name="unitmembership",
            index=models.Index(condition=models.Q(("area__isnull", False)), fields=["area"], name="membership_area"),
        ),
        *(
            migrations.AlterField(model_name="registerchange", name=name, field=logged_reference(to, verbose_name))
            for name, to, verbose_name in (
                ("sector_after", "facilities.sector", "sector after"),
                ("sector_before", "facilities.sector", "sector before"),
                ("unit_after", "facilities.administrativeunit", "unit after"),
                ("unit_before", "facilities.administrativeunit", "unit before"),
            )
        ),
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql=[
                f"UPDATE facilities_registerchange SET {column} = NULL WHERE {column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {table} WHERE {table}.id = facilities_registerchange.{column})"
                for column, table in LOGGED
            ],
        ),
    ]
