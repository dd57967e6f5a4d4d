# On PostgreSQL, the register sorted by name (its list, the admin's, the forms' facility search)
# reads an index on (name COLLATE "vi", code) instead of sorting every facility: a page reads its
# 50 entries (docs/performance-history.md, "Names in the order of the Vietnamese alphabet").
# The column's own collation is left as it is (its LIKE, uniqueness and other indexes compare
# bytes). Not in the models' state: Django's indexes are made on every database, and on SQLite
# the collation is a Python function that each of cpdash's connections registers, so an index
# using it would make the file unwritable to any other program (the sqlite3 shell).

from django.db import migrations

INDEX = "facility_name_vi"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0012_names_in_vietnamese_order"),
    ]

    operations = [
        migrations.RunPython(
            on_postgresql(f'CREATE INDEX "{INDEX}" ON "facilities_facility" (("name" COLLATE "vi"), "code")'),
            on_postgresql(f'DROP INDEX "{INDEX}"'),
        ),
    ]
