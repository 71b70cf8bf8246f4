from django.db import migrations, models

import offboarding.request_context


class Migration(migrations.Migration):
    """The web request that planned a follow-up, for the dispatcher's log line (no default written on old rows)."""

    dependencies = [("offboarding", "0012_rate_limit_for_password_resets")]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="request_id",
            field=models.CharField(
                blank=True, default=offboarding.request_context.current_request_id, editable=False, max_length=64
            ),
        ),
    ]
