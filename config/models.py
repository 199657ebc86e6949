"""The audit log: who did what to whom, for administrators (config/audit.py writes it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


class AuditEntry(models.Model):
    """One thing that happened: a sign-in, a role change, a publication, a deletion.

    Append-only: written by config/audit.py, read on /audit/ and in the admin, never changed
    there. `actor_label` keeps the username as it was, so the entry still reads right after
    the account is renamed or deleted (and `actor` is emptied).
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        SIGN_OUT = "sign_out", "Signed out"
        ROLE_CHANGED = "role_changed", "Role changed"
        INVITED = "invited", "Invited"
        INVITATION_ACCEPTED = "invitation_accepted", "Accepted an invitation"
        DEACTIVATED = "deactivated", "Deactivated an account"
        REACTIVATED = "reactivated", "Reactivated an account"
        PASSWORD_RESET = "password_reset", "Reset a password"
        RESET_LINK_SENT = "reset_link_sent", "Sent a password reset link"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"
        DELETED = "deleted", "Deleted"
        SYNONYM_ADDED = "synonym_added", "Added synonyms"
        SYNONYM_CHANGED = "synonym_changed", "Changed synonyms"
        SYNONYM_DELETED = "synonym_deleted", "Deleted synonyms"

    when = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("who", max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    target = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=1000, blank=True)
    ip_address = models.GenericIPAddressField("address", null=True, blank=True)

    class Meta:
        ordering = ["-when", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [
            # The page's two filters, newest first.
            models.Index(fields=["action", "-when"], name="audit_action_when"),
            models.Index(Upper("actor_label"), name="audit_actor_label_upper"),
            # A person's filter also finds the failed sign-ins that tried their username.
            models.Index(
                Upper("detail"),
                condition=models.Q(action="sign_in_failed"),
                name="audit_username_tried_upper",
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_label or "someone"
        return f"{who}: {self.get_action_display()} {self.target}".strip()
