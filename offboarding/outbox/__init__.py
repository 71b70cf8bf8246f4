"""The follow-up outbox: every scheduled message is a row, planned in the transaction of the change
that caused it and sent by the dispatcher (models, planning services, dispatch, emails, digests,
the managers' outbox pages, the unsubscribe page and the Celery tasks).

A sub-package of the offboarding app: its models keep the app label `offboarding` and their
tables, and its Celery tasks keep their names (`offboarding.tasks.*`), so nothing migrates.
"""
