"""Payloads typed into free-text fields run no script in a real browser."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Dialog, Page

from clients.tests.factories import TEST_PASSWORD
from feedback.tests.journeys.conftest import sign_in
from feedback.tests.payloads import build_story
from offboarding.models import FollowUp


@pytest.mark.django_db(transaction=True)
def test_payloads_show_as_text_and_open_no_dialog(page: Page) -> None:
    story = build_story()
    thank_you = story.case.follow_ups.get(kind=FollowUp.Kind.THANK_YOU)
    dialogs: list[str] = []

    def remember(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", remember)
    sign_in(page, "marta", TEST_PASSWORD)
    for path, typed in [
        (story.case.get_absolute_url(), '<script>alert("cw")</script>'),
        (story.client.get_absolute_url(), '<script>alert("no")</script>'),
        (reverse("feedback:dashboard"), '<script>alert("cp")</script>'),
        (reverse("outbox:detail", args=[thank_you.pk]), '<script>alert("pn")</script>'),
    ]:
        page.goto(path)
        page.wait_for_load_state("load")
        assert typed in page.locator("body").inner_text(), path
    assert dialogs == []
