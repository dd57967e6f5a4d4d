"""The department's letterhead on the report as PDF (targets.models.Letterhead), and the
groups brought up to date with its permissions (view for Staff and Managers, all for
Admins), as 0002_role_groups asks of a migration that adds a model.
"""

import importlib

from django.db import migrations, models


def refresh_groups(apps, schema_editor) -> None:
    # 0007's grant() runs 0002's create_groups(), then gives Managers their publish permission again.
    importlib.import_module("targets.migrations.0007_managers_publish").grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0009_target_savings_counted"),
    ]

    operations = [
        migrations.CreateModel(
            name="Letterhead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "authority_vi",
                    models.CharField(
                        blank=True,
                        default="Ủy ban nhân dân thành phố Hà Nội",
                        max_length=200,
                        verbose_name="governing body (Vietnamese)",
                    ),
                ),
                (
                    "authority_en",
                    models.CharField(
                        blank=True,
                        default="Hanoi People's Committee",
                        max_length=200,
                        verbose_name="governing body (English)",
                    ),
                ),
                (
                    "name_vi",
                    models.CharField(
                        default="Sở Công Thương Hà Nội", max_length=200, verbose_name="department (Vietnamese)"
                    ),
                ),
                (
                    "name_en",
                    models.CharField(
                        default="Hanoi Department of Industry and Trade",
                        max_length=200,
                        verbose_name="department (English)",
                    ),
                ),
                (
                    "address",
                    models.CharField(
                        blank=True, default="331 Cầu Giấy, Hà Nội", max_length=300, verbose_name="address"
                    ),
                ),
                (
                    "contact",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="One line, optional.",
                        max_length=300,
                        verbose_name="telephone, e-mail, website",
                    ),
                ),
                ("logo", models.BinaryField(blank=True, default=b"", verbose_name="logo")),
                ("logo_type", models.CharField(blank=True, default="", editable=False, max_length=20)),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
            ],
            options={
                "verbose_name": "letterhead",
                "verbose_name_plural": "letterhead",
            },
        ),
        migrations.RunPython(refresh_groups, migrations.RunPython.noop),
    ]
