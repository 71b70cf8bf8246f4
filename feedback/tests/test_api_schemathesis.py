"""schemathesis against the OpenAPI schema over the live test server, for both roles.

It reads /api/schema/ as a script would, then calls every operation with examples, boundary values
and fuzzed data, valid and not: no answer may be a server error, and every answer (refusals too)
must be what the schema says, in status, content type, headers and body.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.utils import timezone

from clients.tokens import api_token_create
from feedback.models import RecordedFeedback, SurveyAnswer
from offboarding.services.cases import case_mark_departed
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
EXAMPLES_PER_OPERATION = 20


def _a_book_of_clients(owner: User) -> None:
    """An open case and a departed one with its follow-ups, recorded feedback and a named survey answer."""
    DepartureCaseFactory.create(client__account_manager=owner)
    gone = DepartureCaseFactory.create(client__account_manager=owner)
    case_mark_departed(case=ready_to_depart(gone), actor=owner)
    RecordedFeedback.objects.create(case=gone, heard_on=timezone.localdate(), what_they_said="Fine", recorded_by=owner)
    SurveyAnswer.objects.create(
        client=gone.client,
        case=gone,
        month=timezone.localdate().replace(day=1),
        satisfaction=4,
        likelihood_to_return=7,
        submitted_at=timezone.now() - timedelta(days=1),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["account_manager", "manager"])
def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_schema(
    role: str, request: pytest.FixtureRequest, live_server: Any, settings: Any, other_account_manager: User
) -> None:
    settings.API_RATE_LIMIT = "1000000/minute"  # the run makes thousands of calls with one token
    person = request.getfixturevalue(role)
    _a_book_of_clients(request.getfixturevalue("account_manager"))
    _a_book_of_clients(other_account_manager)
    secret = api_token_create(user=person, name="schemathesis", now=timezone.now()).secret
    report = (Path(django_settings.VAR_DIR) / f"schemathesis-{role}").resolve()
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Bearer {secret}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        "18",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    report.mkdir(parents=True, exist_ok=True)
    # Run inside the report folder: schemathesis keeps a cache of what it found in its working folder.
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, cwd=report)
    assert run.returncode == 0, f"schemathesis found problems (report in {report}):\n{run.stdout[-12000:]}"
