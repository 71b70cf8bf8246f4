from __future__ import annotations

from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("import/", views.client_import, name="import"),
    path("export.csv", views.client_export, name="export"),
    path("exchange-rates/", views.exchange_rates, name="exchange_rates"),
    path("exchange-rates/import/", views.exchange_rates_import, name="exchange_rates_import"),
]
