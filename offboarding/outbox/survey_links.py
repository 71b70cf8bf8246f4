"""Signed survey links, shared by the follow-up emails (offboarding) and the survey pages (feedback).

The token carries the survey invitation's follow-up id and the language the email was written
in, so the page opens in it; the signature proves we made it and its timestamp lets the survey
page refuse old links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "feedback.survey-invitation"
MAX_AGE = timedelta(days=30)


@dataclass(frozen=True)
class SurveyLink:
    follow_up_id: int
    language: str  # empty in links sent before languages were


def survey_token_for(follow_up_id: int, language: str = "") -> str:
    payload: dict[str, object] = {"f": follow_up_id}
    if language:
        payload["l"] = language
    return signing.dumps(payload, salt=SALT, compress=False)


def survey_link_from_token(token: str, max_age: timedelta = MAX_AGE) -> SurveyLink:
    """The invitation and language in a survey token; raises signing.SignatureExpired or BadSignature."""
    payload = signing.loads(token, salt=SALT, max_age=max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), int):
        raise signing.BadSignature("Survey token has no follow-up id.")
    language = payload.get("l")
    return SurveyLink(follow_up_id=int(payload["f"]), language=language if isinstance(language, str) else "")


def follow_up_id_from_survey_token(token: str, max_age: timedelta = MAX_AGE) -> int:
    """The follow-up id in a survey token; raises signing.SignatureExpired or BadSignature."""
    return survey_link_from_token(token, max_age).follow_up_id
