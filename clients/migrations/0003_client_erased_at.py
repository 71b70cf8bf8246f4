from django.db import migrations, models


class Migration(migrations.Migration):
    """When a client's personal data was erased, so rules ask the client instead of reading its placeholder name."""

    dependencies = [("clients", "0002_roles")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="personal data erased at"),
        ),
    ]
