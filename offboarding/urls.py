from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from offboarding import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("clients/", include("clients.urls")),
    path("admin/", admin.site.urls),
]
