import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Who referred a client; its index follows in 0011, built without locking the clients table."""

    dependencies = [("clients", "0009_client_language_and_staff_settings")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="referred_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="referrals",
                to="clients.client",
                verbose_name="referred by",
            ),
        ),
    ]
