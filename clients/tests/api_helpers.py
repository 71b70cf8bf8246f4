"""Calling the REST API as a person would: with a personal token of theirs, in a JSON body."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.utils import timezone

from clients.tokens import api_token_create


class ApiCaller:
    """A script holding one of the person's tokens."""

    def __init__(self, user: User, name: str = "script") -> None:
        self.secret = api_token_create(user=user, name=name, now=timezone.now()).secret
        self.http = BrowserClient(headers={"Authorization": f"Bearer {self.secret}"})

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.http.get(path, params or {})

    def post(self, path: str, body: Any) -> Any:
        return self.http.post(path, json.dumps(body), content_type="application/json")

    def patch(self, path: str, body: Any) -> Any:
        return self.http.patch(path, json.dumps(body), content_type="application/json")


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]
