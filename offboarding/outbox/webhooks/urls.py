from __future__ import annotations

from django.urls import path

from offboarding.outbox.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_create, name="create"),
    path("<int:pk>/", views.webhook_detail, name="detail"),
    path("<int:pk>/edit/", views.webhook_edit, name="edit"),
    path("<int:pk>/rotate/", views.webhook_rotate, name="rotate"),
    path("deliveries/<int:pk>/send-again/", views.webhook_send_again, name="send_again"),
]
