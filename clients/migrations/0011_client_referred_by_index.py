from django.db import migrations, models

from clients.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    """The referred clients by referrer (the dashboard's referrals), built concurrently."""

    atomic = False

    dependencies = [("clients", "0010_client_referred_by")]

    operations = [
        AddIndexConcurrently(
            model_name="client",
            index=models.Index(
                condition=models.Q(("referred_by__isnull", False)), fields=["referred_by"], name="client_referred_by"
            ),
        ),
    ]
