from django.db import migrations, models

from offboarding.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    """The dashboard's account-manager filter, over the period: an index on both.

    Built without locking the case table (offboarding/migration_operations.py).
    """

    atomic = False

    dependencies = [("offboarding", "0005_data_version")]

    operations = [
        AddIndexConcurrently(
            model_name="departurecase",
            index=models.Index(fields=["account_manager", "notice_received_on"], name="offboarding_account_ed22cf_idx"),
        ),
    ]
