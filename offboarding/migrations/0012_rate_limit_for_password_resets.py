from django.db import migrations, models


class Migration(migrations.Migration):
    """Recent password-reset requests per address and mails per account, to refuse them past a limit."""

    dependencies = [("offboarding", "0011_names_and_timeline_moments")]

    operations = [
        migrations.CreateModel(
            name="RateLimit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("action", models.CharField(max_length=40)),
                ("subject", models.CharField(max_length=100)),
                ("uses", models.JSONField(default=list)),
                ("last_used_at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["action", "last_used_at"], name="offboarding_action_577988_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("action", "subject"), name="rate_limit_unique_action_subject")
                ],
            },
        ),
    ]
