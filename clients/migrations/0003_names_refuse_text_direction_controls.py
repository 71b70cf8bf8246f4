from django.db import migrations, models

import clients.validators


class Migration(migrations.Migration):
    """Company and contact names refuse invisible text-direction controls."""

    dependencies = [
        ("clients", "0002_roles"),
    ]

    operations = [
        migrations.AlterField(
            model_name="client",
            name="company_name",
            field=models.CharField(max_length=200, validators=[clients.validators.validate_no_bidi_controls]),
        ),
        migrations.AlterField(
            model_name="client",
            name="contact_name",
            field=models.CharField(
                max_length=200,
                validators=[clients.validators.validate_no_bidi_controls],
                verbose_name="primary contact",
            ),
        ),
    ]
