from __future__ import annotations

import time
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from demo import people
from demo.bulk import DemoSurveyAnswers, bulk_seed
from demo.history import history_add
from demo.money import seed_exchange_rates
from demo.stories import seed_cases
from feedback.models import SurveyAnswer
from offboarding.models import FollowUp


class Command(BaseCommand):
    help = "Load demo users and clients. Safe to run again: it creates only what is missing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds clients (used by `make run`, so demo data loads once).",
        )
        parser.add_argument(
            "--clients", type=int, default=0, help="Bulk mode: add this many generated clients (with --cases)."
        )
        parser.add_argument(
            "--cases", type=int, default=0, help="Bulk mode: add this many closed and open departure cases."
        )
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            help="Add this many closed cases in the years before the existing ones (copies of them; PostgreSQL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Client.objects.exists():
            self.stdout.write("Clients already exist; demo data not loaded again.")
            return
        today = timezone.localdate()
        if options["clients"] or options["cases"]:
            self._bulk(clients=options["clients"], cases=options["cases"], today=today)
        if options["history"]:
            self._history(cases=options["history"], today=today)
        if options["clients"] or options["cases"] or options["history"]:
            return
        before = FollowUp.objects.count(), SurveyAnswer.objects.count()
        with transaction.atomic():
            users = people.seed_users()
            seed_exchange_rates(today)
            clients = people.seed_clients(users, today)
            cases = seed_cases(users, clients, now=timezone.now(), survey_answered=DemoSurveyAnswers())
        follow_ups, answers = FollowUp.objects.count() - before[0], SurveyAnswer.objects.count() - before[1]
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(users)} users, {len(clients)} clients, {cases} departure cases, "
                f"{follow_ups} follow-ups, {answers} survey answers."
            )
        )
        for demo_user in people.DEMO_USERS:
            self.stdout.write(f"  {demo_user.username} / {people.DEMO_PASSWORD}  ({demo_user.role})")

    def _bulk(self, *, clients: int, cases: int, today: date) -> None:
        if clients < 1 or cases < 0:
            raise CommandError("Bulk mode needs --clients of at least 1 and --cases of 0 or more.")
        started = time.monotonic()
        with transaction.atomic():
            users = people.seed_users()
            seed_exchange_rates(today)
        result = bulk_seed(users=users, clients=clients, cases=cases, today=today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Bulk data added in {time.monotonic() - started:.1f} s: {result.clients} clients, "
                f"{result.cases} departure cases (six steps each), {result.survey_answers} survey answers."
            )
        )

    def _history(self, *, cases: int, today: date) -> None:
        started = time.monotonic()
        try:
            result = history_add(cases=cases, today=today)
        except NotImplementedError as error:
            raise CommandError(f"{error} Set DATABASE_URL to a PostgreSQL database for --history.") from error
        if not result.cases:
            raise CommandError("History copies the closed cases already there: load some first (--cases).")
        self.stdout.write(
            self.style.SUCCESS(
                f"History added in {time.monotonic() - started:.1f} s: {result.cases} closed cases in "
                f"{result.copies} copies of {result.span_days} days each, back to {result.oldest_notice}."
            )
        )
