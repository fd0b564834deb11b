"""Web Push subscriptions, the notification events the alert changes make, and their deliveries.

A subscription's endpoint and keys are secrets (whoever holds them can tell the push service to wake that
phone for us): they are stored, and never put in an API response, a page, the schema or a log line.
"""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from alerts.models import Region


def new_handle() -> str:
    return secrets.token_urlsafe(16)


class PushSubscription(models.Model):
    """A browser's subscription for a region chain. `handle` names it in the API (to unsubscribe) instead
    of the endpoint, which must not appear in a URL or a log. One browser (endpoint) may follow several
    regions (the home page's, each saved place's): one row per endpoint and region."""

    class Language(models.TextChoices):
        UK = "uk", "українська"
        EN = "en", "English"

    handle = models.CharField(max_length=32, unique=True, default=new_handle, editable=False)
    endpoint = models.CharField(_("endpoint"), max_length=2000)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    # The region and its ancestors (the hromada, raion, oblast): an alert on any of them concerns it.
    chain = ArrayField(models.PositiveIntegerField(), verbose_name=_("region chain"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.UK)
    drills = models.BooleanField(_("drills too"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        indexes = [GinIndex(fields=["chain"], name="push_subscription_chain")]
        constraints = [models.UniqueConstraint(fields=["endpoint", "region"], name="push_subscription_once_per_region")]

    def __str__(self) -> str:
        # Never the endpoint: it is a secret.
        return f"#{self.pk} · {self.region_id} · {self.language}"


class PushEvent(models.Model):
    """One thing to tell subscribers: an alert started or ended in a region (made in the poll's transaction)."""

    class Kind(models.TextChoices):
        START = "start", _("alert started")
        END = "end", _("alert ended")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    alert_kind = models.CharField(_("alert kind"), max_length=20, blank=True)
    level = models.CharField(_("level"), max_length=10, blank=True)
    threats = models.JSONField(_("threat types"), default=list, blank=True)
    drill = models.BooleanField(_("drill"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    fanned_out_at = models.DateTimeField(_("sent out at"), null=True, blank=True)
    # Why nothing was sent (an "all clear" while the feeds are unknown), when that is the case.
    suppressed = models.CharField(_("not sent because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("push event")
        verbose_name_plural = _("push events")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.region_id} · {self.created_at:%Y-%m-%d %H:%M:%S}"


class PushDelivery(models.Model):
    """One event to one subscription: the row that makes a retried or repeated task never notify twice.

    A chunk task inserts its rows `pending` at once, then claims each one (`sending`, one UPDATE that only one
    task can win) right before its POST and marks it when the push service has answered. A row left
    `sending` by a worker that died is re-sent once the claim is stale (see push.services._claim).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        RETRYING = "retrying", _("to be retried")
        FAILED = "failed", _("failed")
        REMOVED = "removed", _("subscription removed")
        SKIPPED = "skipped", _("not needed")

    DONE = (Status.SENT, Status.FAILED, Status.REMOVED, Status.SKIPPED)

    event = models.ForeignKey(PushEvent, on_delete=models.CASCADE, related_name="deliveries")
    # Kept (with no subscription) when the push service said the subscription is gone.
    subscription = models.ForeignKey(PushSubscription, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_code = models.PositiveIntegerField(_("push service answer"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("push delivery")
        verbose_name_plural = _("push deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="push_delivery_once_per_subscription")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id}: {self.status}"
