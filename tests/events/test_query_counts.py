from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Series, Speaker, Status
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db


def _build(size: int):
    """`size` past and upcoming events; the watched event has `size` notes, each with `size`
    speakers and key points, in a series of `size` meetings."""
    series = Series.objects.create(name=f"Series of {size}")
    ago = timezone.now() - timedelta(days=400)
    for n in range(size):
        status = Status.DRAFT if n % 5 == 0 else Status.PUBLISHED
        make_event(tags=("carers", f"topic {n}"), status=status, region="london")
        past = make_event(
            starts_at=ago + timedelta(days=n), tags=("carers",), series=series, series_position=n
        )
        make_note(event=past, tags=("carers",))
        make_writeup(tags=("carers",))
    watched = make_event(
        starts_at=ago + timedelta(days=size), tags=("carers", "respite"), series=series
    )
    for n in range(size):
        Speaker.objects.create(event=watched, name=f"Listed speaker {n}", position=n)
    notes = [
        make_note(
            event=watched,
            key_points=tuple(f"Point {k}" for k in range(size)),
            speakers=tuple((f"Speaker {k}", "speaker") for k in range(size)),
            tags=("carers",),
        )
        for _ in range(size)
    ]
    notes[0].related_writeups.set(make_writeup(tags=("carers",)) for _ in range(size))
    notes[0].related_notes.set(notes[1:])
    return watched, notes[0]


@pytest.mark.parametrize("size", [3, 30])
def test_event_pages_use_a_fixed_number_of_queries(client, django_assert_max_num_queries, size):
    event, note = _build(size)
    for url, limit in [
        (reverse("events:upcoming"), 3),
        (reverse("events:past"), 4),
        (event.get_absolute_url(), 9),
        # +2: "More like this" (the vocabulary's word frequencies, then the similar items)
        (note.get_absolute_url(), 11),
        (event.series.get_absolute_url(), 4),
        (reverse("events:feed"), 2),
        (reverse("home"), 5),
        (reverse("tag", args=["carers"]), 6),
    ]:
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("size", [3, 30])
def test_staff_pages_stay_fixed_too(staff_client, django_assert_max_num_queries, size):
    event, note = _build(size)
    # Staff pages add the session, user, roles and the review count, and the upcoming list
    # shows drafts.
    for url, limit in [
        (reverse("events:upcoming"), 9),
        (event.get_absolute_url(), 13),
        (note.get_absolute_url(), 15),
    ]:
        with django_assert_max_num_queries(limit):
            assert staff_client.get(url).status_code == 200
