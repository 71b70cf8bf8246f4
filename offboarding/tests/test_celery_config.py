from __future__ import annotations

from offboarding.celery import app


def test_celery_is_configured_for_at_least_once_delivery_of_json_only() -> None:
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_task_time_limits_stay_below_the_redis_visibility_timeout() -> None:
    conf = app.conf
    visibility_timeout = conf.broker_transport_options["visibility_timeout"]
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility_timeout
    assert conf.result_backend_transport_options["visibility_timeout"] == visibility_timeout
