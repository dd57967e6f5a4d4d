# Units, sectors, production areas and facilities listed by name in the order of the Vietnamese
# alphabet (the collation "vi" of cpdash's migration 0002): their default order, which the admin's
# lists and every relation sorted by one of them follow. Options only: no SQL.

import django.db.models.functions.comparison
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cpdash", "0002_vietnamese_collation"),
        ("facilities", "0011_register_change_keeps_a_deleted_facilitys_id"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="administrativeunit",
            options={
                "ordering": [django.db.models.functions.comparison.Collate("name", "vi")],
                "verbose_name": "administrative unit",
                "verbose_name_plural": "administrative units",
            },
        ),
        migrations.AlterModelOptions(
            name="facility",
            options={
                "default_permissions": ("add", "change", "delete", "view", "import"),
                "ordering": [django.db.models.functions.comparison.Collate("name", "vi"), "code"],
                "verbose_name": "facility",
                "verbose_name_plural": "facilities",
            },
        ),
        migrations.AlterModelOptions(
            name="productionarea",
            options={
                "ordering": [django.db.models.functions.comparison.Collate("name", "vi")],
                "verbose_name": "production area",
                "verbose_name_plural": "production areas",
            },
        ),
        migrations.AlterModelOptions(
            name="sector",
            options={
                "ordering": [django.db.models.functions.comparison.Collate("name", "vi")],
                "verbose_name": "sector",
                "verbose_name_plural": "sectors",
            },
        ),
    ]
