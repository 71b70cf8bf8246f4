import django.db.models.deletion
from django.db import migrations, models

from offboarding.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    """Watched saves: a new case links to the save it relapsed, and the save keeps the relapse's date.

    The link's index is built without locking the case table (offboarding/migration_operations.py).
    """

    atomic = False

    dependencies = [("offboarding", "0025_client_value_history_backfill")]

    operations = [
        migrations.AddField(
            model_name="departurecase",
            name="relapse_of",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="relapses",
                to="offboarding.departurecase",
                verbose_name="relapse of the save",
            ),
        ),
        migrations.AddField(
            model_name="departurecase",
            name="relapsed_on",
            field=models.DateField(blank=True, null=True, verbose_name="save relapsed on"),
        ),
        AddIndexConcurrently(
            model_name="departurecase",
            index=models.Index(fields=["relapse_of"], name="case_relapse_of"),
        ),
    ]
