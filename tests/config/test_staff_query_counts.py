"""The staff pages keep a fixed number of queries whatever the data size: the review queue,
My work, People and an item's history, each at two sizes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config import roles
from practice import history
from practice.publishing import Status
from tests.conftest import make_person, make_writeup, signed_in
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db

SIZES = (2, 12)


def _content(size: int, author) -> None:
    """`size` items of each type in review, scheduled and due for review, by `author`."""
    soon = timezone.now() + timedelta(days=1)
    overdue = timezone.localdate() - timedelta(days=3)
    for n in range(size):
        for status, extra in (
            (Status.IN_REVIEW, {}),
            (Status.SCHEDULED, {"publish_at": soon}),
            (Status.PUBLISHED, {"review_by": overdue}),
            (Status.DRAFT, {}),
            (Status.CHANGES_REQUESTED, {}),
        ):
            make_writeup(
                title=f"Write-up {status} {n}",
                status=status,
                author=author,
                tags=("carers", f"t{n}"),
                **extra,
            )
            event = make_event(title=f"Event {status} {n}", status=status, author=author, **extra)
            make_note(
                event=event, title=f"Notes {status} {n}", status=status, author=author, **extra
            )


def _people(size: int) -> None:
    for n in range(size):
        make_person(f"contributor{n}", roles.CONTRIBUTOR, email=f"c{n}@example.org")
        make_person(f"editor{n}", roles.EDITOR, email=f"e{n}@example.org")
        gone = make_person(f"left{n}", roles.CONTRIBUTOR, email=f"l{n}@example.org")
        gone.is_active = False
        gone.save()
        pending = make_person(f"invited{n}", roles.EDITOR, email=f"i{n}@example.org")
        pending.is_active = False
        pending.set_unusable_password()
        pending.save()


def _history(size: int, user):
    writeup = make_writeup(title="Often edited", tags=("carers",), author=user)
    for n in range(size):
        with history.revision(user, f"Edit {n}"):
            writeup.summary = f"Summary, version {n}."
            writeup.save()
            writeup.tags.add(f"topic-{n}")
    return f"/history/writeup/{writeup.pk}/"


# The most queries each page may make (session, user, roles and the header's review count
# included), at every size.
MOST = {"review queue": 8, "my work": 6, "people": 6, "history": 8}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("page", MOST)
def test_staff_pages_keep_a_fixed_number_of_queries(page, size, django_assert_max_num_queries):
    admin = make_person("ada", roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    author = make_person("cat", roles.CONTRIBUTOR)
    if page == "people":
        user, path = admin, "/people/"
        _people(size)
    elif page == "history":
        user, path = admin, _history(size, admin)
    else:
        _content(size, author)
        user, path = (admin, "/review/") if page == "review queue" else (author, "/my-work/")
    client = signed_in(user)
    with django_assert_max_num_queries(MOST[page]):
        response = client.get(path)
    assert response.status_code == 200
    # Everything made is on the page: the count held with all of it shown.
    html = response.content.decode()
    shown = {
        "review queue": (
            f"Write-up {Status.IN_REVIEW} {size - 1}",
            f"Notes {Status.SCHEDULED} {size - 1}",
        ),
        "my work": (
            f"Event {Status.DRAFT} {size - 1}",
            f"Notes {Status.CHANGES_REQUESTED} {size - 1}",
        ),
        "people": (f"contributor{size - 1}", f"invited{size - 1}"),
        "history": (f"Edit {size - 1}", f"topic-{size - 1}"),
    }
    for text in shown[page]:
        assert text in html
