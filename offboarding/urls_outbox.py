from __future__ import annotations

from django.urls import path

from offboarding.views import followups

app_name = "outbox"

urlpatterns = [
    path("", followups.outbox_list, name="list"),
    path("<int:pk>/", followups.outbox_detail, name="detail"),
    path("<int:pk>/retry/", followups.outbox_retry, name="retry"),
    path("follow-ups/<int:pk>/cancel/", followups.follow_up_cancel_view, name="cancel"),
    path("follow-ups/<int:pk>/done/", followups.follow_up_done_view, name="done"),
    path("follow-ups/<int:pk>/move/", followups.follow_up_reschedule_view, name="reschedule"),
    path("cases/<int:case_pk>/add/", followups.follow_up_add_view, name="add"),
    path("unsubscribe/<str:token>/", followups.unsubscribe, name="unsubscribe"),
]
