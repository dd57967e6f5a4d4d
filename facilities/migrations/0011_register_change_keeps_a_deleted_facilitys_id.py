# A register change keeps the id of a facility deleted since (on_delete DO_NOTHING, where
# SET_NULL cleared it), so that the facility restored from its history, which comes back with
# its id, is named by its change rows again. Django's own behaviour only: the column has no
# database constraint, and no SQL runs either way. Rows cleared before this stay cleared.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0010_index_what_is_looked_up'),
    ]

    operations = [
        migrations.AlterField(
            model_name='registerchange',
            name='facility',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='facilities.facility', verbose_name='facility'),
        ),
    ]
