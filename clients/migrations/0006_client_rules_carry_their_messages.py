from django.db import migrations, models
from django.db.models.functions import Lower

import clients.constraints
import clients.validators


class Migration(migrations.Migration):
    """The duplicate-email rule names its field and says why; the currency code is checked by the model field.

    Only what Django validates changes: the unique index is rebuilt as it was, and the
    validator lives in Python.
    """

    dependencies = [("clients", "0005_names_refuse_text_direction_controls")]

    operations = [
        migrations.RemoveConstraint(model_name="client", name="client_unique_contact_email"),
        migrations.AlterField(
            model_name="client",
            name="currency",
            field=models.CharField(default="EUR", max_length=3, validators=[clients.validators.validate_currency_code]),
        ),
        migrations.AddConstraint(
            model_name="client",
            constraint=clients.constraints.UniqueConstraintOn(
                Lower("contact_email"),
                field="contact_email",
                name="client_unique_contact_email",
                violation_error_code="duplicate_email",
                violation_error_message=(
                    "Another client already has this contact email (emails are compared ignoring upper and lower case)."
                ),
            ),
        ),
    ]
