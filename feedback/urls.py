from __future__ import annotations

from django.urls import path

from feedback import views, views_client_words, views_erasure

app_name = "feedback"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.cases, name="cases"),
    path("cases/export.csv", views.export, name="export"),
    path("what-clients-said/", views_client_words.client_words, name="client_words"),
    path("cases/<int:case_id>/record/", views.record_feedback, name="record"),
    path("clients/<int:pk>/erase/", views_erasure.client_erase_view, name="client_erase"),
    path("survey/thanks/", views.survey_thanks, name="survey_thanks"),
    path("survey/<str:token>/", views.survey, name="survey"),
]
