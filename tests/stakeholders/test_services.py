from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from stakeholders.models import RateLimitHit, Subscriber, SubscriberStatus
from tests.stakeholders.conftest import make_subscriber

pytestmark = pytest.mark.django_db


def test_unconfirmed_signups_are_purged_after_30_days(capsys):
    old = make_subscriber(status=SubscriberStatus.PENDING)
    Subscriber.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = make_subscriber(status=SubscriberStatus.PENDING)
    confirmed = make_subscriber()
    Subscriber.objects.filter(pk=confirmed.pk).update(
        created_at=timezone.now() - timedelta(days=90)
    )
    RateLimitHit.objects.create(
        scope="ip", key_hash="x", kind="signup", created_at=timezone.now() - timedelta(days=2)
    )
    call_command("purge_unconfirmed_subscribers")
    assert "1 unconfirmed sign-ups deleted" in capsys.readouterr().out
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {recent.pk, confirmed.pk}
    assert not RateLimitHit.objects.exists()
