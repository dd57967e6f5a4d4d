# The collation "vi" (cpdash.database.VIETNAMESE): text in the order of the Vietnamese alphabet
# (a ă â b c d đ e ê …, tones after letters), ICU's, which PostgreSQL has when built with ICU
# (Debian's is). On SQLite nothing is created: every connection registers a collation of that
# name (cpdash.database.register_collations()).

from django.contrib.postgres import operations
from django.db import migrations


class CreateCollation(operations.CreateCollation):
    """django.contrib.postgres's, reversed on PostgreSQL only (Django 5.2's drops it on any database)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("cpdash", "0001_initial"),
    ]

    operations = [
        CreateCollation("vi", provider="icu", locale="vi"),
    ]
