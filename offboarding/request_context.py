"""The request id: one per web request, carried into the Celery tasks it publishes, in every log line.

It is logging context only: nothing decides anything by it. A web request gets
a fresh id (or the one a trusted proxy sent in X-Request-ID), answers with it in
X-Request-ID (gunicorn's access log reads it there), and a task published
during the request carries it in a message header (offboarding.celery), so one
departure can be followed from the click to the worker that sent its mail.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# A proxy's id is taken only when it looks like an id: it lands in every log line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_task: ContextVar[tuple[str, str]] = ContextVar("celery_task", default=("", ""))


def current_request_id() -> str:
    """The id of the web request being served (or of the request that published this task); "" outside one."""
    return _request_id.get()


def current_task() -> tuple[str, str]:
    """(task id, task name) inside a Celery task; empty strings elsewhere."""
    return _task.get()


def bind(request_id: str, task: tuple[str, str] = ("", "")) -> Callable[[], None]:
    """Set the context for the code that follows; returns the function that restores the previous one."""
    request_token = _request_id.set(request_id)
    task_token = _task.set(task)

    def restore() -> None:
        _task.reset(task_token)
        _request_id.reset(request_token)

    return restore


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_for(request: HttpRequest) -> str:
    offered = request.headers.get(HEADER, "")
    if settings.TRUST_REQUEST_ID_HEADER and _WELL_FORMED.fullmatch(offered):
        return offered
    return new_request_id()


def forget_request_id(**kwargs: object) -> None:
    """request_finished: the answer is out, and Django has logged a 4xx or 5xx with the id still set."""
    _request_id.set("")


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every line logged while answering (redirects included) carries the id.

    The id stays set until request_finished (forget_request_id, connected in apps.py): Django
    logs a 4xx or 5xx answer after the whole middleware chain has returned.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        _request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response
