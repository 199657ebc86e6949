"""A server process keeps what it loaded out of garbage collection (config/longlived.py), so
that no request pays for a full collection walking every module, template and class."""

from __future__ import annotations

import gc

import pytest
from django.core.signals import request_finished

from config import longlived

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(monkeypatch):
    monkeypatch.setattr(longlived, "WARM_REQUESTS", 3)
    monkeypatch.setattr(longlived, "_served", 0)
    yield
    request_finished.disconnect(dispatch_uid="config.longlived")
    gc.unfreeze()


def test_a_settled_process_collects_only_what_it_made_since(client, settled):
    client.get("/about/")  # the test process: pytest, Django, every module imported
    before = len(gc.get_objects())
    longlived.settle()
    # What a full collection walks now: only what was made since.
    assert len(gc.get_objects()) < before / 10


def test_the_process_is_frozen_again_once_warm(client, settled):
    """(Frozen objects freed since leave the count: it only grows by a freeze.)"""
    longlived.settle()
    frozen = gc.get_freeze_count()
    client.get("/about/")
    client.get("/practice/")  # compiles templates and fills caches: long-lived objects
    assert gc.get_freeze_count() <= frozen
    client.get("/events/")  # the third request: warm
    warm = gc.get_freeze_count()
    assert warm > frozen
    assert len(gc.get_objects()) < warm / 10
    client.get("/events/past/")
    assert gc.get_freeze_count() <= warm  # once: later requests' leftovers are collected
