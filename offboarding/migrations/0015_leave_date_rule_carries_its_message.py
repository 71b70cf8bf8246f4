from django.db import migrations, models

import clients.constraints


class Migration(migrations.Migration):
    """The leave-date rule says why, next to the leave date; the check itself is rebuilt as it was."""

    dependencies = [("offboarding", "0014_dispatcher_run")]

    operations = [
        migrations.RemoveConstraint(model_name="departurecase", name="case_leave_date_not_before_notice"),
        migrations.AddConstraint(
            model_name="departurecase",
            constraint=clients.constraints.CheckConstraintOn(
                condition=models.Q(planned_leave_date__gte=models.F("notice_received_on")),
                field="planned_leave_date",
                name="case_leave_date_not_before_notice",
                violation_error_code="leave_date_before_notice",
                violation_error_message="The leave date cannot be before the notice was received.",
            ),
        ),
    ]
