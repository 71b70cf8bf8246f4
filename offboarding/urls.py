from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clients import views as clients_views
from offboarding import metrics
from offboarding.forms.sign_in import PasswordResetRequestForm, SignInForm
from offboarding.views import account_settings, calendar, cases, client_page, health

urlpatterns = [
    path("", cases.my_work, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path("accounts/settings/", clients_views.my_settings, name="my_settings"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The client page (offboarding/views/client_page.py), beside the other clients' pages: it shows
    # every departure case, the timeline and the follow-ups, which clients/ must not import.
    path("clients/<int:pk>/", client_page.client_detail, name="client_detail"),
    path("clients/", include("clients.urls")),
    path("cases/", include("offboarding.urls_cases")),
    path("improvements/", include("offboarding.urls_improvements")),
    path("outbox/", include("offboarding.outbox.urls")),
    path("webhooks/", include("offboarding.outbox.webhooks.urls")),
    path("feedback/", include("feedback.urls")),
    # The REST API lives with the dashboard it reports, at the top of the product's apps.
    path("api/", include("feedback.api_urls")),
    path("settings/", account_settings.account_settings, name="account_settings"),
    path("settings/tokens/", account_settings.token_create, name="api_token_create"),
    path("settings/tokens/<int:pk>/revoke/", account_settings.token_revoke, name="api_token_revoke"),
    path("settings/calendar/", account_settings.calendar_reset, name="calendar_reset"),
    # No sign-in: calendar applications fetch it by its secret address (offboarding/views/calendar.py).
    path("calendar/<str:secret>/feed.ics", calendar.calendar_feed, name="calendar_feed"),
    path("admin/", admin.site.urls),
]

# An API address that matches no route answers as the API does, in JSON; pages keep the 404 page.
handler404 = "offboarding.views.errors.not_found"
