"""gunicorn's configuration for production: `gunicorn -c gunicorn.conf.py` (Procfile.production, deploy/).

Every value below can be overridden on the command line (`--bind`, `--workers`)
or through GUNICORN_CMD_ARGS; the ones an operator usually sets have their own
environment variable.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from pathlib import Path
from typing import Any

from offboarding.logs import GunicornAccessFormatter, JsonLineFormatter, PlainFormatter, RequestContextFilter

wsgi_app = "offboarding.wsgi:application"

# Behind the TLS proxy on the same machine; set GUNICORN_BIND=0.0.0.0:8000 when the proxy is elsewhere.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Sync workers: a page is a few database queries and a template, CPU-bound and short, so one
# request per process is the simplest model that keeps a slow request from stalling others.
# gunicorn's rule of thumb, two per core plus one, keeps the cores busy while some wait on
# PostgreSQL. WEB_CONCURRENCY (gunicorn's own variable) overrides it, e.g. on a small VM.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"

# The slowest answers: the 12-month dashboard at a million cases takes about 0.4 s, and importing
# the largest CSV allowed (5 MB, 10,000 rows, checked then written in one transaction) about 6 s
# on a 2-core machine. 60 s leaves a wide margin before gunicorn kills a worker as hung. The upload
# itself does not count: the proxy buffers the request body (nginx does by default) and hands it
# over whole, so a slow client never holds a worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# On SIGTERM and on SIGHUP, a worker finishes the request it is answering for up to this long.
graceful_timeout = 30
# Keep-alive to the proxy in front, a little longer than nginx's default upstream idle time.
keepalive = 5
# A worker is replaced after this many requests (spread out by the jitter), so that slow growth
# in a process's memory never builds up; the replacement is graceful.
max_requests = 2000
max_requests_jitter = 200

# No preload: each worker imports the app itself after the fork. A SIGHUP (`systemctl reload`)
# then starts workers on the code now on disk and retires the old ones gracefully, a deploy
# without dropping a request. Preloading would save some memory and start-up time, but a
# reload would keep serving the code loaded when the master started.
preload_app = False

# Reload and stop are signals (systemctl reload / stop send HUP / TERM). gunicorn's control socket
# would sit at one path per user, shared by every server that user runs on the machine.
control_socket_disable = True

# gunicorn hands the request to Django over plain HTTP from the proxy; Django itself decides
# what to trust of X-Forwarded-* (BEHIND_TLS_PROXY). FORWARDED_ALLOW_IPS is read by gunicorn.

# Logs: the access log (stdout) has one line per request with its request id (the X-Request-ID
# header RequestIdMiddleware adds) and duration; gunicorn's own messages go to stderr. JSON
# unless LOG_FORMAT=plain, like the application's own lines.
accesslog = "-"
errorlog = "-"
_as_json = os.environ.get("LOG_FORMAT", "json").strip().lower() != "plain"
# In JSON every atom is a field of its own (offboarding.logs.ACCESS_FIELDS); this is only the message.
access_log_format = (
    "%(m)s %(U)s %(s)s %(M)sms" if _as_json else '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
)
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": RequestContextFilter}},
    "formatters": {
        "access": {"()": GunicornAccessFormatter if _as_json else PlainFormatter},
        "line": {"()": JsonLineFormatter if _as_json else PlainFormatter},
    },
    "handlers": {
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_context"],
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
    },
}


def _metrics_folder(server: Any) -> Path:
    """Where this server's processes add up their request figures (offboarding/metrics.py).

    One folder per address bound, so that two servers on one machine (two nodes, or the
    smoke test) never mix their figures; emptied when the server starts.
    """
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent / "var"))
    address = re.sub(r"[^A-Za-z0-9]+", "-", str(server.cfg.bind[0])).strip("-")
    return var_dir / "prometheus" / address


def on_starting(server: Any) -> None:
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or _metrics_folder(server))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    # Read by prometheus_client when a worker imports it, after the fork.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
