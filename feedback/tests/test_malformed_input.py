"""Malformed input at every form, query string and URL: never a server error, nothing half-saved.

The forms are not listed here: a crawler signs in as a manager, follows every link
from the home page (and, without signing in, from the links in the emails we
send), and reads each form and query parameter off the rendered pages. Hypothesis
then fills them with what a careless person or an attacker might send: missing and
repeated fields, NUL bytes, huge strings, impossible dates and numbers, unknown ids,
JSON or garbage bodies. Every answer must be below 500; a request that was refused
(a form shown again with errors, 400, 404, 410, a redirect with an error message)
and every GET must leave every project table exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.roles import ACCOUNT_MANAGERS, MANAGERS
from clients.tests.factories import UserFactory
from clients.tokens import api_token_create
from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.tests import malformed
from feedback.tests.crawl import Crawler, Target, World, url_name
from offboarding.models import ChurnReason, FollowUp, Improvement, WebhookDelivery, WebhookEvent
from offboarding.outbox.emails import render_follow_up
from offboarding.outbox.webhooks.services import webhook_endpoint_create
from offboarding.outbox.wording_services import message_text_save
from offboarding.services.calendar_feeds import calendar_feed_reset
from offboarding.services.cases import case_mark_departed
from offboarding.services.improvements import improvement_set_status
from offboarding.services.offers import OfferTerms, save_offer_add
from offboarding.tests.db_snapshot import snapshot
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory, improvement_for, ready_to_depart
from offboarding.tests.pageforms import PageForm
from offboarding.tests.urlwalk import Pattern, all_patterns

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Views that answer a successful POST with a page rather than a redirect.
SUCCESS_PAGES = {"outbox:unsubscribe", "api_token_create"}
# Examples per URL pattern: the forms that post to one share them; a query string gets its own.
POST_EXAMPLES = 20
GET_EXAMPLES = 12


def _build_objects() -> dict[str, Any]:
    """One client in each state, with its case and follow-ups, owned by the account manager."""
    amelia = UserFactory.create(username="amelia", first_name="Amelia", last_name="Hart", role=ACCOUNT_MANAGERS)
    marta = UserFactory.create(username="marta", first_name="Marta", last_name="Lindqvist", role=MANAGERS)
    UserFactory.create(username="jonas", role=ACCOUNT_MANAGERS)
    ClientFactory.create(company_name="Active Client", account_manager=amelia)
    open_case = DepartureCaseFactory.create(client__company_name="Leaving Client", client__account_manager=amelia)
    # A client email and a staff reminder: the case page shows Move, Cancel and Mark done forms.
    for days, kind in enumerate((FollowUp.Kind.CHECK_IN, FollowUp.Kind.STAFF_REMINDER), start=3):
        FollowUp.objects.create(
            key=f"fuzz-{kind}",
            kind=kind,
            client=open_case.client,
            case=open_case,
            recipient_email=open_case.client.contact_email,
            recipient_user=amelia if kind == FollowUp.Kind.STAFF_REMINDER else None,
            due_at=timezone.now() + timedelta(days=days),
        )
    # The offer step's own pages: one case with no offer yet (the offer form), one waiting for an answer.
    wavering = DepartureCaseFactory.create(client__company_name="Wavering Client", client__account_manager=amelia)
    save_offer_add(case=wavering, actor=amelia, terms=OfferTerms(offer_type="price_change", details="10% off"))
    gone = DepartureCaseFactory.create(client__company_name="Departed Client", client__account_manager=amelia)
    case_mark_departed(case=ready_to_depart(gone), actor=amelia)
    # Improvements: a planned one another case may join, and a done one whose note may be sent.
    improvement_for(open_case, amelia, title="Answer within a day")
    done = improvement_for(gone, amelia, title="Monthly reviews")
    improvement_set_status(improvement=done, status=Improvement.Status.DONE, actor=amelia)
    failed = gone.follow_ups.get(kind=FollowUp.Kind.THANK_YOU)
    FollowUp.objects.filter(pk=failed.pk).update(status=FollowUp.Status.FAILED, attempts=6)
    ChurnReason.objects.create(key="fuzz-retired", label="Retired reason", category="other", retired_at=timezone.now())
    # Two saved wordings: the message editor shows a Restore form for the earlier one.
    for subject in ("Thank you, {contact_name}", "With thanks from {business_name}"):
        message_text_save(
            kind="thank_you",
            language="en-gb",
            subject=subject,
            body="Dear {contact_name},",
            saved_by=marta,
            now=timezone.now(),
        )
    return {
        "amelia": amelia,
        "marta": marta,
        "departed_case": gone,
        "step_pages": [
            reverse("offboarding:step_save", args=[case.pk, step])
            for case, step in ((open_case, "offer"), (wavering, "offer"), (wavering, "apology"))
        ],
        "failed_follow_up": failed,
        **_integrations(marta, gone),
    }


def _integrations(marta: User, case: Any) -> dict[str, Any]:
    """A webhook endpoint with a failed delivery (its page shows "Send again"), marta's calendar, her token."""
    endpoint = webhook_endpoint_create(
        created_by=marta, kind="standard", url="http://127.0.0.1:9/hook", events=["case.saved"], now=timezone.now()
    )
    event = WebhookEvent.objects.create(type="case.saved", client=case.client, created_at=timezone.now())
    WebhookDelivery.objects.create(
        event=event,
        endpoint=endpoint,
        status="failed",
        attempts=8,
        next_attempt_at=timezone.now(),
        created_at=timezone.now(),
    )
    api_token_create(user=marta, name="fuzz", now=timezone.now())
    feedback = RecordedFeedback.objects.create(
        case=case, heard_on=timezone.localdate(), what_they_said="Fine", recorded_by=case.client.account_manager
    )
    answer = SurveyAnswer.objects.create(
        client=case.client, case=case, month=timezone.localdate().replace(day=1), satisfaction=3, likelihood_to_return=5
    )
    return {"calendar": calendar_feed_reset(user=marta, now=timezone.now()), "feedback": feedback, "answer": answer}


def _api_pages(objects: dict[str, Any]) -> list[str]:
    """The API's detail addresses: its answers are JSON, with no links for the crawler to follow."""
    case = objects["departed_case"]
    return [
        reverse("api:client-detail", args=[case.client.pk]),
        reverse("api:case-detail", args=[case.pk]),
        reverse("api:follow-up-detail", args=[objects["failed_follow_up"].pk]),
        reverse("api:feedback-detail", args=[objects["feedback"].pk]),
        reverse("api:survey-answer-detail", args=[objects["answer"].pk]),
        reverse("api:reason-detail", args=[ChurnReason.objects.first().pk]),  # type: ignore[union-attr]
    ]


def _email_links(case: Any) -> list[str]:
    """The links in the emails the departed client is sent: survey and unsubscribe."""
    links = []
    for follow_up in case.follow_ups.filter(kind__in=[FollowUp.Kind.SURVEY, FollowUp.Kind.CHECK_IN]):
        links += re.findall(r"http://testserver(/\S+)", render_follow_up(follow_up).text)
    return links


def _password_reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def _seeds(objects: dict[str, Any]) -> list[str]:
    """Where the crawl starts: every page without arguments, and pages only some objects show forms on."""
    pages = [reverse(pattern.name) for pattern in all_patterns() if not pattern.arguments]
    return [
        reverse("outbox:detail", kwargs={"pk": objects["failed_follow_up"].pk}),
        _password_reset_link(objects["marta"]),
        *_email_links(objects["departed_case"]),
        *objects["step_pages"],
        *_api_pages(objects),
        *pages,
    ]


@pytest.fixture(scope="module")
def world(module_db: None) -> World:
    objects = _build_objects()
    world = World(people={"manager": objects["marta"]}, targets={}, tokens={})
    crawler = Crawler(world)
    seeds = _seeds(objects)
    for role in ("anonymous", "manager"):
        crawler.crawl(role, seeds)
    for path in _email_links(objects["departed_case"]):
        world.tokens[str(url_name(path))] = path.rstrip("/").rsplit("/", 1)[-1]
    world.tokens["calendar_feed"] = objects["calendar"].secret
    return world


PATTERNS = all_patterns()
pytestmark = pytest.mark.django_db


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _refused(response: HttpResponseBase, name: str) -> bool:
    """Whether the request was turned down, so it must have changed nothing."""
    if response.status_code in {301, 302, 303}:
        request = response.wsgi_request  # type: ignore[attr-defined]
        return any(message.level >= messages.ERROR for message in messages.get_messages(request))
    return not (response.status_code == 200 and name in SUCCESS_PAGES)


def _send(browser: BrowserClient, method: str, path: str, request: malformed.Request) -> HttpResponseBase:
    response = browser.post(path, **request) if method == "post" else browser.get(path, **request)
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]  # a CSV is written while it streams
    return response


def _check(world: World, role: str, method: str, name: str, path: str, request: malformed.Request) -> None:
    with _rolled_back():
        browser = world.browser(role)
        before = snapshot()
        response = _send(browser, method, path, request)
        status = response.status_code
        assert status < 500, f"{method.upper()} {path} answered {status}"
        if method == "get" or _refused(response, name):
            assert snapshot() == before, f"{method.upper()} {path} answered {status} but changed the database"


def _reached(world: World, name: str) -> Target:
    target = world.targets.get(name)
    assert target is not None, f"{name}: no link or form leads here, so nothing was tried on it; seed the crawl"
    return target


def _fuzz_form(world: World, name: str, form: PageForm, role: str, examples: int) -> None:
    @settings(FUZZ, max_examples=examples)
    @given(data=malformed.form_data(list(form.fields.values())), encoding=malformed.ENCODINGS)
    def post(data: dict[str, list[Any]], encoding: str) -> None:
        _check(world, role, "post", name, form.action, malformed.encoded(data, encoding))

    post()


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.name)
def test_a_malformed_post_causes_no_server_error_and_a_refused_one_changes_nothing(
    pattern: Pattern, world: World
) -> None:
    target = _reached(world, pattern.name)
    if not target.forms:  # a page without a form must ignore whatever is posted to it
        path, role = target.page()
        _fuzz_form(world, pattern.name, PageForm(method="post", action=path), role, examples=5)
    for form, role in target.forms:
        _fuzz_form(world, pattern.name, form, role, examples=max(4, POST_EXAMPLES // len(target.forms)))


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.name)
def test_a_malformed_query_string_causes_no_server_error_and_changes_nothing(pattern: Pattern, world: World) -> None:
    target = _reached(world, pattern.name)
    path, role = target.page()
    parameters = list(target.query.values())

    @settings(FUZZ, max_examples=GET_EXAMPLES if parameters else 4)
    @given(data=malformed.form_data(parameters))
    def get(data: dict[str, list[Any]]) -> None:
        _check(world, role, "get", pattern.name, path.split("?", 1)[0], {"data": data})

    get()


def _argument_values(world: World, pattern: Pattern) -> st.SearchStrategy[dict[str, str]]:
    """Unknown and out-of-range ids; random text or a tampered real token where the URL takes a token."""
    token = world.tokens.get(pattern.name)
    strategies: dict[str, st.SearchStrategy[str]] = {}
    for key, kind in pattern.arguments:
        if kind == "int":
            ids = st.one_of(st.sampled_from(malformed.EDGE_NUMBERS).map(abs), st.integers(min_value=0))
            strategies[key] = ids.map(str)
        elif token is not None:
            strategies[key] = st.one_of(malformed.tampered(token), malformed.path_text).map(_in_path)
        else:
            strategies[key] = malformed.path_text.map(_in_path)
    return st.fixed_dictionaries(strategies)


def _in_path(text: str) -> str:
    return quote(text, safe="")


@pytest.mark.parametrize("pattern", [p for p in PATTERNS if p.arguments], ids=lambda pattern: pattern.name)
def test_a_bad_id_or_token_in_the_url_causes_no_server_error_and_changes_nothing(
    pattern: Pattern, world: World
) -> None:
    _, role = _reached(world, pattern.name).page()

    @settings(FUZZ, max_examples=6)
    @given(values=_argument_values(world, pattern), method=st.sampled_from(["get", "post"]))
    def visit(values: dict[str, str], method: str) -> None:
        _check(world, role, method, pattern.name, pattern.path(**values), {})

    visit()
