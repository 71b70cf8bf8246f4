from django.db import migrations, models


class Migration(migrations.Migration):
    """When the dispatcher last finished a run, for /healthz and /metrics."""

    dependencies = [("offboarding", "0013_followup_request_id")]

    operations = [
        migrations.CreateModel(
            name="DispatcherRun",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("finished_at", models.DateTimeField()),
            ],
        ),
    ]
