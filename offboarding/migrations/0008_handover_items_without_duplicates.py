"""Before a handover list may hold each title once: merge the items a double submit added twice.

Titles compare ignoring case and surrounding spaces, as the constraint of the
next migration does. Of each group the item kept is the first one done, else
the first one added. A copy not done and due the same day is a double submit
and goes; any other copy (done, or due another day) keeps its record under a
numbered title, "Transfer the domain (2)". Going back leaves the lists as they are.
"""

from django.db import migrations
from django.db.models import Count, F
from django.db.models.functions import Lower, Trim


def _numbered_title(items, case_id, title, number):  # type: ignore[no-untyped-def]
    """The title with the first number from `number` on that the case's list does not hold yet."""
    while True:
        candidate = f"{title[:190]} ({number})"
        if not items.filter(case_id=case_id, title__iexact=candidate).exists():
            return candidate
        number += 1


def merge_duplicate_items(apps, schema_editor):  # type: ignore[no-untyped-def]
    HandoverItem = apps.get_model("offboarding", "HandoverItem")
    keyed = HandoverItem.objects.annotate(key=Lower(Trim("title")))
    groups = keyed.values("case_id", "key").annotate(copies=Count("id")).filter(copies__gt=1)
    for group in list(groups):
        kept, *copies = keyed.filter(case_id=group["case_id"], key=group["key"]).order_by(
            F("done_at").asc(nulls_last=True), "id"
        )
        number = 2
        for item in copies:
            if item.done_at is None and item.days_from_leave_date == kept.days_from_leave_date:
                item.delete()
                continue
            item.title = _numbered_title(HandoverItem.objects, item.case_id, item.title.strip(), number)
            item.save(update_fields=["title"])
            number = int(item.title.rsplit("(", 1)[1].rstrip(")")) + 1


class Migration(migrations.Migration):
    dependencies = [("offboarding", "0007_case_event_moved_count_out_of_changes")]

    operations = [migrations.RunPython(merge_duplicate_items, migrations.RunPython.noop, elidable=True)]
