"""The outbox as Prometheus sees it: a scrape of /metrics with the bearer token, summed up."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from prod_smoke.browser import Browser


@dataclass(frozen=True)
class OutboxFigures:
    waiting: int  # scheduled or waiting to retry, due or not
    oldest_due_seconds: float
    sent: int

    def __str__(self) -> str:
        return f"{self.waiting} waiting, oldest due {self.oldest_due_seconds:.0f} s ago, {self.sent} sent"


def outbox_figures(port: int, token: str) -> OutboxFigures:
    browser = Browser()
    answer = browser.get_with_headers(port, "/metrics", {"Authorization": f"Bearer {token}"})
    if answer.status != 200:
        raise SystemExit(f"/metrics answered {answer.status}: {answer.body[:500]}")
    waiting, sent, oldest = 0.0, 0.0, 0.0
    for family in text_string_to_metric_families(answer.body):
        for sample in family.samples:
            if sample.name == "offboarding_outbox_follow_ups":
                if sample.labels["status"] in {"scheduled", "retry_wait"}:
                    waiting += sample.value
                elif sample.labels["status"] == "sent":
                    sent += sample.value
            elif sample.name == "offboarding_outbox_oldest_due_age_seconds":
                oldest = max(oldest, sample.value)
    return OutboxFigures(waiting=int(waiting), oldest_due_seconds=oldest, sent=int(sent))
