from django.db import migrations, models


class Migration(migrations.Migration):
    """The dashboard's account-manager filter, over the period: an index on both."""

    dependencies = [("offboarding", "0005_data_version")]

    operations = [
        migrations.AddIndex(
            model_name="departurecase",
            index=models.Index(fields=["account_manager", "notice_received_on"], name="offboarding_account_ed22cf_idx"),
        ),
    ]
