"""The staff audit log: every staff action in the admin, who, when, what, before and after.

It lives in the project package because it spans both apps (which never import each other) and
the admin site that composes them (kyivguide/staff_auth.py, kyivguide/audit.py). An entry names
its object by content type and id, with no foreign key to it, so it outlives any change to the
object (deactivated, withdrawn or even deleted); the actor's name is kept beside the link to the
account for the same reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffAction(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("who")
    )
    actor_name = models.CharField(_("user name"), max_length=150)
    action = models.CharField(_("what"), max_length=100)
    app_label = models.CharField(_("app"), max_length=100, blank=True)
    model = models.CharField(_("kind of record"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=300, blank=True)
    # Only the fields that changed: {field: value} before and after (all fields of an added or a
    # deleted record on its one side).
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions (audit log)")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["app_label", "model", "object_id"], name="staff_action_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
