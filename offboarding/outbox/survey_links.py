"""Signed survey links, shared by the follow-up emails (offboarding) and the survey pages (feedback).

The token carries only the survey invitation's follow-up id; the signature
proves we made it and its timestamp lets the survey page refuse old links.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

SALT = "feedback.survey-invitation"
MAX_AGE = timedelta(days=30)


def survey_token_for(follow_up_id: int) -> str:
    return signing.dumps({"f": follow_up_id}, salt=SALT, compress=False)


def follow_up_id_from_survey_token(token: str, max_age: timedelta = MAX_AGE) -> int:
    """The follow-up id in a survey token; raises signing.SignatureExpired or BadSignature."""
    payload = signing.loads(token, salt=SALT, max_age=max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), int):
        raise signing.BadSignature("Survey token has no follow-up id.")
    return int(payload["f"])
