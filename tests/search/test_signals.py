"""The one write path: whatever changes an item, it is indexed once, after the commit, from
what was committed (search/signals.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from events.models import EventNote
from practice.models import WriteUp
from practice.publishing import Status
from search import index
from search.models import SearchEntry, SearchWord
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.events.test_views import _event_post, _note_post
from tests.search.conftest import result_titles, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def index_writes(monkeypatch) -> list[tuple[str, int]]:
    """(kind, object id) of every entry written from now on."""
    writes: list[tuple[str, int]] = []
    write = index.entry_write

    def counted(kind, object_id, document):
        writes.append((kind, object_id))
        write(kind, object_id, document)

    monkeypatch.setattr(index, "entry_write", counted)
    return writes


def test_index_follows_saves_tag_changes_unpublishing_and_deletes(client):
    writeup = make_writeup(title="Befriending by phone")
    assert result_titles(search(client, "befriending")) == ["Befriending by phone"]
    writeup.title = "Telephone befriending"
    writeup.save()
    assert result_titles(search(client, "telephone")) == ["Telephone befriending"]
    writeup.tags.add("isolation")
    assert result_titles(search(client, tag="isolation")) == ["Telephone befriending"]
    writeup.status = Status.DRAFT
    writeup.save()
    assert result_titles(search(client, "telephone")) == []
    writeup.publish()
    writeup.save()
    assert result_titles(search(client, "telephone")) == ["Telephone befriending"]
    writeup.delete()
    assert result_titles(search(client, "telephone")) == []
    assert not SearchWord.objects.filter(word="telephone").exists()


def test_renaming_a_tag_updates_results(client):
    make_writeup(title="Carers cafe", tags=("carers",))
    tag = Tag.objects.get(name="carers")
    tag.name = "unpaid carers"
    tag.save()
    assert ">unpaid carers</a>" in search(client, "cafe")


def test_saving_a_note_through_its_form_indexes_it_once_with_key_points_and_tags(
    staff_client, index_writes
):
    """It was indexed three times: on save, on the tag change and by note_save itself."""
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    index_writes.clear()
    response = staff_client.post(reverse("events:note_create", args=[event.slug]), _note_post())
    assert response.status_code == 302
    note = EventNote.objects.get()
    assert index_writes == [("note", note.pk)]
    entry = SearchEntry.objects.get(kind="note", object_id=note.pk)
    assert sorted(entry.tags) == ["carers", "respite"]
    assert "Respite is scarce" in entry.text
    assert result_titles(search(staff_client, "scarce")) == ["What we learned about respite"]


def test_saving_an_event_through_its_form_indexes_it_and_each_of_its_notes_once(
    staff_client, index_writes
):
    event = make_event(title="Carers round table", tags=("carers",))
    notes = [make_note(event=event, title=f"Notes {n}") for n in range(2)]
    index_writes.clear()
    response = staff_client.post(
        reverse("events:edit", args=[event.slug]), _event_post(tags="carers, respite")
    )
    assert response.status_code == 302
    assert sorted(index_writes) == sorted(
        [("event", event.pk), *(("note", note.pk) for note in notes)]
    )
    assert sorted(SearchEntry.objects.get(kind="event").tags) == ["carers", "respite"]


def test_the_one_go_meeting_form_indexes_its_event_and_note_once_each(staff_client, index_writes):
    data = {
        **_event_post(prefix="event-", starts_at="2024-02-01T14:00", ends_at=""),
        **_note_post(),
    }
    assert staff_client.post(reverse("events:meeting_create"), data).status_code == 302
    note = EventNote.objects.get()
    assert sorted(index_writes) == [("event", note.event_id), ("note", note.pk)]
    assert "Respite is scarce" in SearchEntry.objects.get(kind="note").text


def test_saving_a_write_up_through_its_form_indexes_it_once_with_its_tags(
    staff_client, index_writes
):
    response = staff_client.post(
        reverse("practice:create"),
        {
            "title": "Carers cafe",
            "summary": "A cafe.",
            "tags": "carers, dementia",
            "evidence_level": "2",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    writeup = WriteUp.objects.get()
    assert index_writes == [("writeup", writeup.pk)]
    assert sorted(SearchEntry.objects.get(kind="writeup").tags) == ["carers", "dementia"]


def test_an_item_is_indexed_when_its_transaction_commits_and_not_if_it_rolls_back(client):
    with transaction.atomic():
        make_writeup(title="Respite vouchers", tags=("carers",))
        assert not SearchEntry.objects.exists()
    assert list(SearchEntry.objects.values_list("title", "tags")) == [
        ("Respite vouchers", ["carers"])
    ]
    with pytest.raises(RuntimeError), transaction.atomic():
        make_writeup(title="Rolled back")
        raise RuntimeError
    assert result_titles(search(client, "rolled")) == []
    # The marks of the rolled-back save do no harm to the next commit.
    make_writeup(title="Next one")
    assert sorted(SearchEntry.objects.values_list("title", flat=True)) == [
        "Next one",
        "Respite vouchers",
    ]
