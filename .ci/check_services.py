"""Stop `make test` at once, with the fix, when PostgreSQL or Redis is not answering."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import psycopg2
import redis

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def check_postgres(url: str) -> str | None:
    parts = urlsplit(url)
    try:
        psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as exc:
        where = f"{parts.hostname}:{parts.port or 5432}"
        return f"PostgreSQL at {where} is not answering ({exc}).\n  Start it: {START_POSTGRES}"
    return None


def check_redis(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is not answering ({exc}).\n  Start it: {START_REDIS}"
    return None


def main() -> int:
    problems = [
        problem
        for problem in (
            check_postgres(os.environ["DATABASE_URL"]),
            check_redis(os.environ["CELERY_BROKER_URL"]),
        )
        if problem
    ]
    for problem in problems:
        print(f"make test needs real services: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
