from __future__ import annotations

from django.urls import path

from offboarding.views import improvements

app_name = "improvements"

urlpatterns = [
    path("", improvements.improvement_list, name="list"),
    path("<int:pk>/", improvements.improvement_detail, name="detail"),
    path("<int:pk>/status/", improvements.improvement_status, name="status"),
    path("<int:pk>/notes/", improvements.improvement_notes_send, name="notes_send"),
    path("from-case/<int:case_pk>/", improvements.improvement_new, name="new"),
    path("attach/<int:case_pk>/", improvements.improvement_attach, name="attach"),
]
