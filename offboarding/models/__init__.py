"""Departure cases, their six-step checklist, churn reasons, the timeline and the follow-up outbox."""

from __future__ import annotations

from offboarding.models.calendar_feeds import CalendarFeed
from offboarding.models.cases import (
    STEP_MODELS,
    ApologyStep,
    CaseEvent,
    CaseStep,
    ChurnReason,
    DepartureCase,
    HandoverItem,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
    ThankStep,
    TransitionStep,
)
from offboarding.models.handover_lists import HandoverList, HandoverListItem
from offboarding.models.improvements import Improvement, ImprovementCase, ImprovementNote
from offboarding.models.offers import SaveOffer
from offboarding.models.rate_limits import RateLimit
from offboarding.models.returns import CaseReturn, ReturnCause
from offboarding.outbox.models import DispatcherRun, FollowUp, MessageText, Suppression
from offboarding.outbox.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSecret

__all__ = [
    "STEP_MODELS",
    "ApologyStep",
    "CalendarFeed",
    "CaseEvent",
    "CaseReturn",
    "CaseStep",
    "ChurnReason",
    "DepartureCase",
    "DispatcherRun",
    "FollowUp",
    "HandoverItem",
    "HandoverList",
    "HandoverListItem",
    "Improvement",
    "ImprovementCase",
    "ImprovementNote",
    "KeepInTouchStep",
    "MessageText",
    "OfferStep",
    "ProbeStep",
    "RateLimit",
    "ReturnCause",
    "SaveOffer",
    "Suppression",
    "ThankStep",
    "TransitionStep",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookSecret",
]
