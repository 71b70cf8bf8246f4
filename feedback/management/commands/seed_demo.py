from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clients import demo as client_demo
from clients.models import Client
from feedback.demo import seed_feedback
from offboarding.demo import seed_cases
from offboarding.demo_outbox import seed_follow_ups


class Command(BaseCommand):
    help = "Load demo users and clients. Safe to run again: it creates only what is missing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds clients (used by `make run`, so demo data loads once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Client.objects.exists():
            self.stdout.write("Clients already exist; demo data not loaded again.")
            return
        today = timezone.localdate()
        with transaction.atomic():
            users = client_demo.seed_users()
            clients = client_demo.seed_clients(users, today)
            cases = seed_cases(users, clients, today)
            follow_ups = seed_follow_ups(users, today)
            answers = seed_feedback(users, today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(users)} users, {len(clients)} clients, {cases} departure cases, "
                f"{follow_ups} follow-ups, {answers} feedback answers."
            )
        )
        for demo_user in client_demo.DEMO_USERS:
            self.stdout.write(f"  {demo_user.username} / {client_demo.DEMO_PASSWORD}  ({demo_user.role})")
