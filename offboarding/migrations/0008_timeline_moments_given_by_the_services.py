import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """A case's opening and its timeline entries take the moment the service was given (no change in the database)."""

    dependencies = [
        ("offboarding", "0007_names_refuse_text_direction_controls"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="departurecase",
            name="opened_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
