from __future__ import annotations

from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("survey/<str:token>/", views.survey, name="survey"),
]
