"""Log lines: one JSON object a line in production, plain readable lines in development (LOG_FORMAT).

Every line carries the request id (offboarding.request_context) and, inside a
Celery task, the task's id and name. Used by Django's LOGGING, by the Celery
processes (offboarding.celery) and by gunicorn's own logs (gunicorn.conf.py),
so every process of a deployment writes the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from offboarding.request_context import current_request_id, current_task

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
JSON_RENAMES = {"levelname": "level", "name": "logger"}


class RequestContextFilter(logging.Filter):
    """Adds request_id (and task_id, task_name in a task) unless the line names them itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or None
        task_id, task_name = current_task()
        if task_id and not hasattr(record, "task_id"):
            record.task_id = task_id
            record.task_name = task_name
        return True


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().formatMessage(record)


class JsonLineFormatter(JsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", JSON_RENAMES)
        super().__init__(JSON_FIELDS, *args, **kwargs)


# gunicorn's access-log atoms (glogging.Logger.atoms) worth a field of their own.
ACCESS_FIELDS = {
    "remote_addr": "h",
    "method": "m",
    "path": "U",
    "query": "q",
    "status": "s",
    "bytes": "B",
    "duration_ms": "M",
    "request_id": "{x-request-id}o",
    "forwarded_for": "{x-forwarded-for}i",
    "referer": "f",
    "user_agent": "a",
}


class GunicornAccessFormatter(JsonLineFormatter):
    """gunicorn logs each request with its atoms as the record's arguments; each becomes a field.

    The request id is read from the response header RequestIdMiddleware set, since
    the access line is written after the request's own context is gone.
    """

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        for field, atom in ACCESS_FIELDS.items():
            value = dict.get(atoms, atom)
            # gunicorn escapes quotes for its text format; JSON escapes them itself.
            log_record[field] = value.replace('\\"', '"') if isinstance(value, str) else value


def logging_config(*, as_json: bool, level: str) -> dict[str, Any]:
    """The dictConfig of every process: one console handler, JSON or plain."""
    formatter = {"()": JsonLineFormatter if as_json else PlainFormatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": RequestContextFilter}},
        "formatters": {"line": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_context"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            # Warnings of libraries become log lines too, so that nothing but JSON reaches the log.
            "py.warnings": {"level": "WARNING"},
        },
    }
