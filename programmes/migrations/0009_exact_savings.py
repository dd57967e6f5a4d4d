"""Savings as exact decimals: ``ResourceSaving.saving_percent`` and the saving steps'
``best``/``previous`` become NUMERIC(26, 4) instead of floats (issue 11: the middle
savings 6.30 and 6.40 were stored as 6.300000000000002 and 6.399999999999995).

A generated column cannot be altered (Django refuses to, and PostgreSQL cannot change
its expression): it is removed and added again, and the database computes every row's
value anew from ``baseline`` and ``after``. The steps' columns change type in place, then
the steps are written again from the new savings (a rounded float could tie with the
step before it), in both directions. The steps are derived data, recomputed here from
the frozen models with a copy of programmes.pathway's rule, so that this migration does
not depend on that module as it changes later.
"""

from decimal import Decimal

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models


def rebuild_saving_steps(apps, schema_editor):
    """Every facility's saving steps again from its measured savings (programmes/pathway.py, ``_steps``)."""
    ResourceSaving = apps.get_model("programmes", "ResourceSaving")
    SavingStep = apps.get_model("programmes", "SavingStep")
    using = schema_editor.connection.alias
    SavingStep.objects.using(using).all().delete()
    rows = (
        ResourceSaving.objects.using(using)
        .filter(saving_percent__isnull=False)
        .values_list("solution__facility_id", "resource", "solution__implemented_on")
        .annotate(value=models.Max("saving_percent"))
        .order_by("solution__facility_id", "resource", "solution__implemented_on")
    )
    best, per_day, steps = {}, {}, []

    def step(facility_id, resource, day, value):
        last = best.get((facility_id, resource))
        if last is not None and value <= last.best:
            return
        if last is not None and last.since == day:
            last.best = value
            return
        new = SavingStep(
            facility_id=facility_id, resource=resource, since=day, best=value, previous=last.best if last else None
        )
        if last is not None:
            last.until = day
        best[(facility_id, resource)] = new
        steps.append(new)

    for facility_id, resource, day, value in rows.iterator(chunk_size=5000):
        step(facility_id, resource, day, value)
        per_day[(facility_id, day)] = max(value, per_day.get((facility_id, day), value))
    for (facility_id, day), value in sorted(per_day.items()):
        step(facility_id, "", day, value)
    SavingStep.objects.using(using).bulk_create(steps, batch_size=2000)


def decimal_saving():
    return models.GeneratedField(
        db_persist=True,
        expression=django.db.models.functions.math.Round(
            django.db.models.expressions.CombinedExpression(
                django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(models.F("baseline"), "-", models.F("after")),
                    "*",
                    models.Value(100.0),
                    output_field=models.DecimalField(),
                ),
                "/",
                django.db.models.functions.comparison.NullIf(models.F("baseline"), models.Value(Decimal("0"))),
            ),
            4,
        ),
        output_field=models.DecimalField(decimal_places=4, max_digits=26),
        verbose_name="saving (%)",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0008_specialist_left_on_meaning"),
    ]

    operations = [
        # Backwards, last: the steps again from the float savings.
        migrations.RunPython(migrations.RunPython.noop, rebuild_saving_steps, elidable=True),
        migrations.RemoveField(model_name="resourcesaving", name="saving_percent"),
        migrations.AddField(model_name="resourcesaving", name="saving_percent", field=decimal_saving()),
        migrations.AlterField(
            model_name="savingstep",
            name="best",
            field=models.DecimalField(decimal_places=4, max_digits=26, verbose_name="best saving (%)"),
        ),
        migrations.AlterField(
            model_name="savingstep",
            name="previous",
            field=models.DecimalField(
                decimal_places=4, max_digits=26, null=True, verbose_name="previous best saving (%)"
            ),
        ),
        migrations.RunPython(rebuild_saving_steps, migrations.RunPython.noop, elidable=True),
    ]
