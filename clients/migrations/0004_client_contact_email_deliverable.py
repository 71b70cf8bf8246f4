from django.db import migrations

import clients.models


class Migration(migrations.Migration):
    """Contact emails checked by one rule, with a clear reason for letters outside ASCII before the @ (no SQL change)."""

    dependencies = [("clients", "0003_client_erased_at")]

    operations = [
        migrations.AlterField(
            model_name="client",
            name="contact_email",
            field=clients.models.DeliverableEmailField(max_length=254, verbose_name="contact email"),
        ),
    ]
