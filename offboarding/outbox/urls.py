from __future__ import annotations

from django.urls import path

from offboarding.outbox import message_views, views

app_name = "outbox"

urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("<int:pk>/", views.outbox_detail, name="detail"),
    path("<int:pk>/retry/", views.outbox_retry, name="retry"),
    path("follow-ups/<int:pk>/cancel/", views.follow_up_cancel_view, name="cancel"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done_view, name="done"),
    path("follow-ups/<int:pk>/move/", views.follow_up_reschedule_view, name="reschedule"),
    path("cases/<int:case_pk>/add/", views.follow_up_add_view, name="add"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("messages/", message_views.message_list, name="messages"),
    path("messages/<str:kind>/<str:language>/", message_views.message_edit, name="message_edit"),
    path(
        "messages/<str:kind>/<str:language>/versions/<int:pk>/restore/",
        message_views.message_restore,
        name="message_restore",
    ),
    path(
        "messages/<str:kind>/<str:language>/shipped/",
        message_views.message_restore_shipped,
        name="message_restore_shipped",
    ),
]
