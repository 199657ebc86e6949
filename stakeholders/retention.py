"""What Wheelhouse keeps about people, and for how long."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from stakeholders.models import RateLimitHit, SpentFormToken, Subscriber


def subscribers_purge_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete sign-ups never confirmed within 30 days, and rate-limit and form-token records
    over a day old."""
    now = now or timezone.now()
    RateLimitHit.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    SpentFormToken.objects.filter(spent_at__lt=now - timedelta(days=1)).delete()
    # Pending sign-ups have no deliveries; the filter makes sure nothing else goes with them.
    purgeable = Subscriber.objects.purgeable(now=now).filter(deliveries__isnull=True)
    deleted, _ = purgeable.delete()
    return deleted
