"""A saving known only as the percentage the facility reported (issue 11): a
``reported_percent`` column; ``saving_percent`` becomes the measured saving or, without
one, the reported percentage; ``unit`` may be blank when there is no baseline.

A generated column cannot be altered (see 0009_exact_savings): it is removed and added
again with its new expression, and the database computes every row's value anew; no
stored row has a reported percentage yet, so every value and the pathway stay the same.

Backwards, a saving that had only a reported percentage loses it (it becomes "not
measured yet"), and a blank unit stays blank; the pathway's "first measured saving" and
saving steps still count it until ``manage.py rebuild_pathway`` is run with the code of
the earlier commit.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models

UNITS = [
    ("kWh", "kWh"),
    ("MWh", "MWh"),
    ("TOE", "TOE"),
    ("GJ", "GJ"),
    ("m3", "m³"),
    ("t", "t"),
    ("kg", "kg"),
    ("L", "L"),
]


def reported_percent():
    return models.DecimalField(
        blank=True,
        decimal_places=4,
        help_text="Only when consumption before and after is not known: the saving as the facility reported it.",
        max_digits=26,
        null=True,
        validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)],
        verbose_name="reported saving (%)",
    )


def measured_or_reported_saving():
    return models.GeneratedField(
        db_persist=True,
        expression=django.db.models.functions.comparison.Coalesce(
            django.db.models.functions.math.Round(
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
            models.F("reported_percent"),
            output_field=models.DecimalField(decimal_places=4, max_digits=26),
        ),
        output_field=models.DecimalField(decimal_places=4, max_digits=26),
        verbose_name="saving (%)",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0011_survey_details_optional"),
    ]

    operations = [
        migrations.AddField(model_name="historicalresourcesaving", name="reported_percent", field=reported_percent()),
        migrations.AddField(model_name="resourcesaving", name="reported_percent", field=reported_percent()),
        migrations.AlterField(
            model_name="historicalresourcesaving",
            name="unit",
            field=models.CharField(blank=True, choices=UNITS, max_length=10, verbose_name="unit"),
        ),
        migrations.AlterField(
            model_name="resourcesaving",
            name="unit",
            field=models.CharField(blank=True, choices=UNITS, max_length=10, verbose_name="unit"),
        ),
        migrations.RemoveField(model_name="resourcesaving", name="saving_percent"),
        migrations.AddField(model_name="resourcesaving", name="saving_percent", field=measured_or_reported_saving()),
        migrations.AddConstraint(
            model_name="resourcesaving",
            constraint=models.CheckConstraint(
                condition=models.Q(("baseline__isnull", True), models.Q(("unit", ""), _negated=True), _connector="OR"),
                name="saving_baseline_needs_unit",
                violation_error_message="A baseline needs a unit.",
            ),
        ),
        migrations.AddConstraint(
            model_name="resourcesaving",
            constraint=models.CheckConstraint(
                condition=models.Q(("reported_percent__isnull", True), ("baseline__isnull", True), _connector="OR"),
                name="saving_measured_or_reported",
                violation_error_message=(
                    "A saving is either measured (baseline and after) or reported as a percentage, not both."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="resourcesaving",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("reported_percent__isnull", True),
                    models.Q(("reported_percent__gte", 0), ("reported_percent__lte", 100)),
                    _connector="OR",
                ),
                name="saving_reported_percent_range",
                violation_error_message="A reported saving is a percentage from 0 to 100.",
            ),
        ),
    ]
