"""The Celery app: configured from Django settings under the CELERY_ namespace.

The signal handlers below carry logging context (offboarding.request_context):
the request id of the web request that published a task travels in a message
header and is restored around the task, so the worker's log lines name it. One
more sets how beat stops (_stop_beat_where_it_stands).
"""

from __future__ import annotations

import logging.config
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from celery import Celery, Task
from celery.signals import (
    beat_init,
    before_task_publish,
    celeryd_init,
    setup_logging,
    task_postrun,
    task_prerun,
)

from offboarding import request_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offboarding.settings")

app = Celery("offboarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The apps' tasks modules, and the outbox's: a sub-package of the offboarding app, its tasks keep their
# names (offboarding.tasks.*) so messages already queued under them still find them.
app.autodiscover_tasks()
app.autodiscover_tasks(["offboarding.outbox"])

REQUEST_ID_HEADER = "offboarding_request_id"
# The context restored for each running task, keyed by task id, to be undone after it.
_restore: dict[str, Callable[[], None]] = {}


@celeryd_init.connect  # a worker, early enough for the warnings it gives before setting up logging
@setup_logging.connect
def _log_as_django_does(**kwargs: Any) -> None:
    """Worker and beat write the same lines as the web (JSON in production), not Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    logging.captureWarnings(True)


@before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_context.current_request_id()
    if request_id and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


@task_prerun.connect
def _bind_request_id(task_id: str = "", task: Task | None = None, **kwargs: Any) -> None:
    request_id = str(task.request.get(REQUEST_ID_HEADER) or "") if task is not None else ""
    _restore[task_id] = request_context.bind(request_id, (task_id, task.name if task is not None else ""))


@task_postrun.connect
def _unbind_request_id(task_id: str = "", **kwargs: Any) -> None:
    restore = _restore.pop(task_id, None)
    if restore is not None:
        restore()


@beat_init.connect
def _stop_beat_where_it_stands(**kwargs: Any) -> None:
    """Once beat's loop runs, SIGTERM or SIGINT stops it wherever it stands, and the loop saves the
    schedule on its way out.

    Celery 5.7's own handler closes the scheduler inside the signal handler, which releases the broker
    connection. When the signal came while a send was waiting for Redis's answer, redis-py's cleanup
    then failed on the closed connection and its error replaced the SystemExit: beat logged the send as
    failed, ticked on with its schedule file closed, and crashed with a traceback and exit status 1
    (offboarding/tests/test_delivery.py stops one at that moment). Raising SystemExit alone ends the
    loop, whose `finally` closes the scheduler once nothing is using it.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # a beat embedded in a worker's thread keeps the worker's handlers
    for stop in _BEAT_STOP_SIGNALS:
        signal.signal(stop, _exit)


_BEAT_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _exit(signum: int, frame: FrameType | None) -> None:
    # A second signal (Ctrl-C, then the process manager's SIGTERM) must not break off the schedule's save.
    for stop in _BEAT_STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    raise SystemExit()
