"""The offer step's history: each save offer in turn, what it gave away, and the client's answer."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
from offboarding.models.cases import DepartureCase, OfferStep


class SaveOffer(models.Model):
    """One offer made to keep a client. One accepted offer saves the case; a declined one leaves room for the next.

    The offer step's own offer fields show the latest offer of this history (offboarding/services/offers.py
    writes both), so what the step form and the dashboard read is always the offer that counts.
    """

    case = models.ForeignKey(DepartureCase, on_delete=models.CASCADE, related_name="offers")
    position = models.PositiveSmallIntegerField(_("offer number"))
    offer_type = models.CharField(_("offer type"), max_length=20, choices=OfferStep.OfferType.choices)
    get_offer_type_display = choice_display("offer_type")
    details = models.TextField(_("details"))
    monthly_value_effect = models.DecimalField(
        _("effect on monthly value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    one_off_cost = models.DecimalField(_("one-off cost"), max_digits=12, decimal_places=2, default=Decimal(0))
    monthly_concession = models.DecimalField(
        _("monthly concession"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    concession_months = models.PositiveSmallIntegerField(_("months of the concession"), default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    answer = models.CharField(
        _("client's answer"), max_length=10, choices=OfferStep.Answer.choices, default=OfferStep.Answer.PENDING
    )
    get_answer_display = choice_display("answer")
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="save_offer_unique_position"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(answer="accepted"), name="save_offer_one_accepted_per_case"
            ),
            models.CheckConstraint(
                condition=models.Q(answer="pending", answered_on__isnull=True)
                | (~models.Q(answer="pending") & models.Q(answered_on__isnull=False)),
                name="save_offer_answered_on_with_answer",
            ),
            models.CheckConstraint(
                condition=models.Q(one_off_cost__gte=0, monthly_concession__gte=0),
                name="save_offer_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_offer_type_display()}"

    @property
    def concession_cost(self) -> Decimal:
        """What the offer gives away in all: the one-off cost plus the monthly concession for its months."""
        return self.one_off_cost + self.monthly_concession * self.concession_months

    @property
    def is_pending(self) -> bool:
        return self.answer == OfferStep.Answer.PENDING
