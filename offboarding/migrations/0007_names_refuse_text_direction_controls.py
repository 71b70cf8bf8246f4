from django.db import migrations, models

import clients.validators


class Migration(migrations.Migration):
    """Reason labels and handover item titles refuse invisible text-direction controls."""

    dependencies = [
        ("offboarding", "0006_case_account_manager_notice_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="churnreason",
            name="label",
            field=models.CharField(max_length=120, validators=[clients.validators.validate_no_bidi_controls]),
        ),
        migrations.AlterField(
            model_name="handoveritem",
            name="title",
            field=models.CharField(max_length=200, validators=[clients.validators.validate_no_bidi_controls]),
        ),
    ]
