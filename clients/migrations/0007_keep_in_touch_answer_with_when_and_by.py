import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def answer_from_consent(apps, schema_editor):
    """A client who agreed says yes; the others had not agreed, which the case's step may refine.

    Whether a "no" is a refusal or a consent never asked is known only from the keep-in-touch
    step, so offboarding's next migration settles those; until then every other client is "not asked".
    """
    Client = apps.get_model("clients", "Client")
    Client.objects.filter(keep_in_touch_consent=True).update(keep_in_touch="yes")


def consent_from_answer(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    Client.objects.filter(keep_in_touch="yes").update(keep_in_touch_consent=True)


class Migration(migrations.Migration):
    """Keep-in-touch consent as one answer (yes, no or not asked) with when and by what it last changed."""

    dependencies = [
        ("clients", "0006_client_rules_carry_their_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="keep_in_touch",
            field=models.CharField(
                choices=[("yes", "Yes"), ("no", "No"), ("not_asked", "Not asked")],
                default="not_asked",
                max_length=10,
                verbose_name="keep-in-touch consent",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="keep_in_touch_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="keep_in_touch_changed_by",
            field=models.CharField(
                choices=[
                    ("step", "the keep-in-touch step"),
                    ("survey", "the exit survey"),
                    ("unsubscribe", "unsubscribing"),
                    ("client_form", "the client's details"),
                    ("import", "an import"),
                    ("erasure", "erasure"),
                ],
                default="client_form",
                editable=False,
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="keep_in_touch_changed_by_user",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(answer_from_consent, consent_from_answer),
        migrations.RemoveField(model_name="client", name="keep_in_touch_consent"),
        migrations.AddConstraint(
            model_name="client",
            constraint=models.CheckConstraint(
                condition=models.Q(("keep_in_touch__in", ["yes", "no", "not_asked"])),
                name="client_keep_in_touch_answer",
            ),
        ),
    ]
