import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("offboarding", "0008_handover_items_without_duplicates")]

    operations = [
        migrations.AddConstraint(
            model_name="handoveritem",
            constraint=models.UniqueConstraint(
                models.F("case"),
                django.db.models.functions.text.Lower(django.db.models.functions.text.Trim("title")),
                name="handover_item_unique_title_per_case",
            ),
        ),
    ]
