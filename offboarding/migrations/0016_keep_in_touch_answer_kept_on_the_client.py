from django.db import migrations
from django.db.models import OuterRef, Subquery


def _latest_answers(apps):
    """Each client with an answered keep-in-touch step: that of their latest case (consent, when, by whom)."""
    Client = apps.get_model("clients", "Client")
    KeepInTouchStep = apps.get_model("offboarding", "KeepInTouchStep")
    latest = KeepInTouchStep.objects.filter(case__client=OuterRef("pk"), consent__isnull=False).order_by(
        "-case__opened_at", "-case__id"
    )
    return (
        Client.objects.annotate(
            step_consent=Subquery(latest.values("consent")[:1]),
            step_completed_at=Subquery(latest.values("completed_at")[:1]),
            step_completed_by=Subquery(latest.values("completed_by")[:1]),
        )
        .filter(step_consent__isnull=False)
        .only("pk", "keep_in_touch")
    )


def answer_from_step(apps, schema_editor):
    """The step's answer, as the follow-up rules read the two before (offboarding.services.followups._declined).

    The previous migration turned the client's yes into "yes" and their no into "not asked". A no
    at the step is a no; a yes at the step stands while the client's record still says yes, and a
    client record that says no after it was a withdrawal (the client form, an import, the survey),
    which is a no of unknown date.
    """
    Client = apps.get_model("clients", "Client")
    changed = []
    for client in _latest_answers(apps).iterator(chunk_size=2000):
        if client.step_consent and client.keep_in_touch != "yes":
            client.keep_in_touch = "no"
            client.keep_in_touch_changed_by = "client_form"
        else:
            client.keep_in_touch = "yes" if client.step_consent else "no"
            client.keep_in_touch_changed_by = "step"
            client.keep_in_touch_changed_at = client.step_completed_at
            client.keep_in_touch_changed_by_user_id = client.step_completed_by
        changed.append(client)
    fields = ["keep_in_touch", "keep_in_touch_changed_by", "keep_in_touch_changed_at", "keep_in_touch_changed_by_user"]
    Client.objects.bulk_update(changed, fields, batch_size=1000)


def step_from_answer(apps, schema_editor):
    """Back to two fields: every done step holds the client's answer; a no stays a no on the client."""
    KeepInTouchStep = apps.get_model("offboarding", "KeepInTouchStep")
    for answer, consent in (("yes", True), ("no", False)):
        KeepInTouchStep.objects.filter(status="done", case__client__keep_in_touch=answer).update(consent=consent)


class Migration(migrations.Migration):
    """Keep-in-touch consent lives on the client alone: the step's own copy is folded into it, then dropped."""

    dependencies = [
        ("offboarding", "0015_leave_date_rule_carries_its_message"),
        ("clients", "0007_keep_in_touch_answer_with_when_and_by"),
    ]

    operations = [
        migrations.RunPython(answer_from_step, step_from_answer),
        migrations.RemoveField(model_name="keepintouchstep", name="consent"),
    ]
