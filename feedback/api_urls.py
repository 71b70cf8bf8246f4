"""The REST API's URLs, /api/v1/..., with its OpenAPI schema at /api/schema/ and its docs at /api/docs/.

Gathered here, in the top product app, because the dashboard's figures live in feedback and
feedback may import the apps below it; offboarding/urls.py includes this module by name.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from clients.api import ClientViewSet
from feedback.api import DashboardView, RecordedFeedbackViewSet, SurveyAnswerViewSet
from offboarding.api import CaseViewSet, FollowUpViewSet, ReasonViewSet

app_name = "api"

# path() routes with typed ids (<int:pk>, <uuid:pk>), no regular expressions, as every other URL.
router = SimpleRouter(use_regex_path=False)
router.register("clients", ClientViewSet, basename="client")
router.register("cases", CaseViewSet, basename="case")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("feedback", RecordedFeedbackViewSet, basename="feedback")
router.register("survey-answers", SurveyAnswerViewSet, basename="survey-answer")
router.register("reasons", ReasonViewSet, basename="reason")


urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/dashboard/", DashboardView.as_view(), name="dashboard"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # A page for a signed-in person: the sign-in redirect applies, the session carries the calls it tries.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
