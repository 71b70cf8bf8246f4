"""Events of a moved leave date kept the number of handover items moved among their changes.

The timeline reads every entry of `changes` as a before/after mapping, so the
count (a plain number) made the case and client pages fail for everyone. Here
it moves beside the changes, where case_update now writes it. Going back
leaves it there: the older code read past it.
"""

from django.db import migrations

BATCH = 500


def move_count_out_of_changes(apps, schema_editor):  # type: ignore[no-untyped-def]
    CaseEvent = apps.get_model("offboarding", "CaseEvent")
    broken = CaseEvent.objects.filter(details__changes__has_key="handover_items_moved")
    repaired = []
    for event in broken.only("id", "details").iterator(chunk_size=BATCH):
        event.details["handover_items_moved"] = event.details["changes"].pop("handover_items_moved")
        repaired.append(event)
        if len(repaired) == BATCH:
            CaseEvent.objects.bulk_update(repaired, ["details"])
            repaired = []
    CaseEvent.objects.bulk_update(repaired, ["details"])


class Migration(migrations.Migration):
    dependencies = [("offboarding", "0006_case_account_manager_notice_index")]

    operations = [migrations.RunPython(move_count_out_of_changes, migrations.RunPython.noop, elidable=True)]
