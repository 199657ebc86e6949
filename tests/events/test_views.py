from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventNote, Series, Speaker, Status
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db


def _past(**fields) -> Event:
    return make_event(starts_at=timezone.now() - timedelta(days=10), **fields)


def _note_post(**overrides) -> dict:
    data = {
        "note-title": "What we learned about respite",
        "note-summary": "Carers and councils on what makes respite work.",
        "note-key_points_text": "Carers need breaks\n\n  \n• Respite is scarce\n3. Book early\n",
        "note-body": "Longer **notes**.",
        "note-questions": "Who pays?\n\nHow do we reach young carers?",
        "note-related_links": "",
        "note-tags": "carers, respite",
        "speakers-TOTAL_FORMS": "2",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "30",
        "speakers-0-name": "Priya Shah",
        "speakers-0-organisation": "Leeds Carers",
        "speakers-0-role": "chair",
        "speakers-0-custom_role": "",
        "speakers-1-name": "",
        "speakers-1-organisation": "",
        "speakers-1-role": "speaker",
        "speakers-1-custom_role": "",
        "action": "publish",
    }
    data.update(overrides)
    return data


def _event_post(prefix: str = "", **overrides) -> dict:
    data = {
        "title": "Carers round table",
        "starts_at": "2031-06-03T10:00",
        "ends_at": "2031-06-03T12:30",
        "venue": "Leeds Civic Hall",
        "address": "Portland Crescent",
        "organiser": "Leeds Carers",
        "description": "Bring *questions*.",
        "booking_url": "https://example.org/book",
        "region": "yorkshire-humber",
        "tags": "carers",
        "series_name": "",
        "series_position": "",
        "action": "publish",
    }
    data.update(overrides)
    return {f"{prefix}{key}" if key != "action" else key: value for key, value in data.items()}


def test_drafts_never_reach_public_pages_feeds_or_the_sitemap(client):
    upcoming = make_event(title="Published upcoming", tags=("carers",))
    draft = make_event(title="Secret draft event", status=Status.DRAFT, tags=("carers",))
    past = _past(title="Published past", tags=("carers",))
    note = make_note(event=past, title="Published notes", tags=("carers",))
    draft_note = make_note(event=past, title="Draft notes", status=Status.DRAFT)
    note_of_draft = make_note(event=draft, title="Notes of a draft event", tags=("carers",))

    pages = {
        "upcoming": client.get(reverse("events:upcoming")).content.decode(),
        "past": client.get(reverse("events:past")).content.decode(),
        "home": client.get(reverse("home")).content.decode(),
        "tag": client.get(reverse("tag", args=["carers"])).content.decode(),
        "event": client.get(past.get_absolute_url()).content.decode(),
        "sitemap": client.get(reverse("sitemap")).content.decode(),
        "feed": client.get(reverse("events:feed")).content.decode(),
    }
    assert "Published upcoming" in pages["upcoming"]
    assert "Published past" in pages["past"] and note.get_absolute_url() in pages["past"]
    assert "Published upcoming" in pages["home"] and "Published notes" in pages["home"]
    assert "Published notes" in pages["tag"] and "Published upcoming" in pages["tag"]
    assert "Published notes" in pages["event"]
    assert note.get_absolute_url() in pages["sitemap"]
    assert upcoming.get_absolute_url() in pages["sitemap"]
    assert "Published upcoming" in pages["feed"]
    everything = " ".join(pages.values())
    assert "Secret draft event" not in everything
    assert "Draft notes" not in everything
    assert "Notes of a draft event" not in everything
    assert draft_note.get_absolute_url() not in everything
    assert draft.get_absolute_url() not in everything
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(draft_note.get_absolute_url()).status_code == 404
    assert client.get(note_of_draft.get_absolute_url()).status_code == 404


def test_lists_filter_by_tag_and_region(client):
    make_event(title="Leeds carers", region="yorkshire-humber", tags=("carers",))
    make_event(title="London carers", region="london", tags=("carers",))
    make_event(title="Leeds dementia", region="yorkshire-humber", tags=("dementia",))
    page = client.get(reverse("events:upcoming"), {"region": "yorkshire-humber", "tag": "Carers"})
    text = page.content.decode()
    assert "Leeds carers" in text
    assert "London carers" not in text and "Leeds dementia" not in text


def test_write_up_notes_opens_prefilled_with_the_event_tags_and_speakers(staff_client):
    event = _past(title="Respite round table", tags=("carers", "respite"))
    Speaker.objects.create(event=event, name="Priya Shah", role="chair", position=0)
    page = staff_client.get(event.get_absolute_url()).content.decode()
    assert "Write up notes" in page

    form = staff_client.get(reverse("events:note_create", args=[event.slug])).content.decode()
    assert 'value="Notes: Respite round table"' in form
    assert "carers" in form and "respite" in form
    assert 'value="Priya Shah"' in form
    assert 'class="markdownx' in form


def test_upcoming_events_do_not_offer_write_up(staff_client):
    event = make_event()
    assert "Write up notes" not in staff_client.get(event.get_absolute_url()).content.decode()


def test_staff_publish_notes_and_visitors_see_them(staff_client, client):
    event = _past(title="Respite round table")
    response = staff_client.post(reverse("events:note_create", args=[event.slug]), _note_post())
    assert response.status_code == 302
    note = EventNote.objects.get()
    assert note.is_published and note.event == event
    assert [p.text for p in note.key_points.all()] == [
        "Carers need breaks",
        "Respite is scarce",
        "Book early",
    ]
    assert note.question_list == ["Who pays?", "How do we reach young carers?"]
    assert [(s.name, s.role_label) for s in note.speakers.all()] == [("Priya Shah", "Chair")]
    assert sorted(note.tags.names()) == ["carers", "respite"]

    event_page = client.get(event.get_absolute_url()).content.decode()
    assert "Respite is scarce" in event_page and "Priya Shah" in event_page
    note_page = client.get(note.get_absolute_url()).content.decode()
    assert note_page.index("Key points") < note_page.index("Who spoke")
    assert "<strong>notes</strong>" in note_page


def test_a_speaker_with_another_role_needs_the_role_typed(staff_client):
    event = _past()
    data = _note_post(**{"speakers-0-role": "other", "speakers-0-custom_role": ""})
    response = staff_client.post(reverse("events:note_create", args=[event.slug]), data)
    assert response.status_code == 200
    assert "Type the role" in response.content.decode()
    assert "Carers need breaks" in response.content.decode()
    assert not EventNote.objects.exists()

    data = _note_post(**{"speakers-0-role": "speaker", "speakers-0-custom_role": "Co-convenor"})
    staff_client.post(reverse("events:note_create", args=[event.slug]), data)
    assert Speaker.objects.get().role_label == "Co-convenor"


def test_related_links_must_point_at_published_pages(staff_client):
    event = _past()
    writeup = make_writeup(title="Respite that works")
    response = staff_client.post(
        reverse("events:note_create", args=[event.slug]),
        _note_post(**{"note-related_links": "https://elsewhere.example/page\n"}),
    )
    assert "is not a write-up or event note on Wheelhouse" in response.content.decode()
    staff_client.post(
        reverse("events:note_create", args=[event.slug]),
        _note_post(
            **{"note-related_links": f"https://wheelhouse.example{writeup.get_absolute_url()}"}
        ),
    )
    assert list(EventNote.objects.get().related_writeups.all()) == [writeup]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "2031-06-03T09:00"}, "The end must be after the start."),
        ({"booking_url": "htp//not a link"}, "Enter a full web address starting with https://"),
        ({"booking_url": "javascript:alert(1)"}, "Enter a full web address starting with"),
        ({"starts_at": "", "ends_at": "2031-06-03T09:00"}, "Enter when the event starts"),
        ({"title": "   "}, "Enter a title."),
    ],
)
def test_bad_event_input_is_explained_and_nothing_typed_is_lost(staff_client, overrides, message):
    response = staff_client.post(reverse("events:create"), _event_post(**overrides))
    text = response.content.decode()
    assert response.status_code == 200
    assert message in text
    assert "Leeds Civic Hall" in text
    assert not Event.objects.exists()


def test_a_series_name_differing_only_in_capitals_reuses_the_series(staff_client):
    series = Series.objects.create(name="Better leadership for health and care")
    response = staff_client.post(
        reverse("events:create"),
        _event_post(series_name="better LEADERSHIP for health and care"),
        follow=True,
    )
    assert Event.objects.get().series == series
    assert Series.objects.count() == 1
    assert "Added to the existing series" in response.content.decode()


def test_notes_for_an_event_deleted_meanwhile_keep_everything_typed(staff_client):
    event = _past(title="Respite round table")
    url = reverse("events:note_create", args=[event.slug])
    assert staff_client.get(url).status_code == 200
    event.delete()

    response = staff_client.post(url, _note_post())
    text = response.content.decode()
    assert response.status_code == 200
    assert "has been deleted" in text
    assert "Carers and councils on what makes respite work." in text
    assert "Priya Shah" in text
    assert not EventNote.objects.exists()
    assert staff_client.get(url).status_code == 404


def test_an_event_with_notes_cannot_be_deleted_by_accident():
    from django.db.models import ProtectedError

    event = _past()
    make_note(event=event)
    with pytest.raises(ProtectedError):
        event.delete()


def test_staff_create_an_event_and_its_notes_in_one_go(staff_client):
    data = {
        **_event_post(prefix="event-", starts_at="2024-02-01T14:00", ends_at=""),
        **_note_post(),
    }
    response = staff_client.post(reverse("events:meeting_create"), data)
    assert response.status_code == 302
    note = EventNote.objects.select_related("event").get()
    assert note.event.title == "Carers round table"
    assert note.is_published and note.event.is_published
    assert note.key_points.count() == 3


def test_one_go_form_saves_nothing_when_the_notes_are_invalid(staff_client):
    data = {**_event_post(prefix="event-"), **_note_post(**{"note-summary": ""})}
    response = staff_client.post(reverse("events:meeting_create"), data)
    assert response.status_code == 200
    assert not Event.objects.exists() and not EventNote.objects.exists()
    assert "Leeds Civic Hall" in response.content.decode()


def test_visitors_and_non_staff_cannot_write(client, django_user_model):
    event = _past()
    url = reverse("events:note_create", args=[event.slug])
    assert client.get(url).status_code == 302
    user = django_user_model.objects.create_user(username="reader", password="x")
    client.force_login(user)
    assert client.get(url).status_code == 403
    assert client.post(reverse("events:create"), _event_post()).status_code == 403


def test_note_page_links_previous_and_next_meeting_of_the_series(client):
    series = Series.objects.create(name="Better leadership")
    first = _past(title="Leadership one", series=series, series_position=1)
    second = _past(title="Leadership two", series=series, series_position=2)
    third = make_event(title="Leadership three", series=series, series_position=3)
    first_note = make_note(event=first, title="Notes one")
    second_note = make_note(event=second, title="Notes two")

    page = client.get(second_note.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{first_note.get_absolute_url()}"' in page
    assert f'rel="next" href="{third.get_absolute_url()}"' in page

    series_page = client.get(series.get_absolute_url()).content.decode()
    assert series_page.index("Leadership one") < series_page.index("Leadership two")
    assert "Leadership three" in series_page


def test_editing_notes_shows_their_key_points_and_keeps_the_author(staff_client, staff_user):
    event = _past()
    note = make_note(event=event, key_points=("Keep this", "And this"), author=staff_user)
    form = staff_client.get(reverse("events:note_edit", args=[note.slug])).content.decode()
    assert "Keep this\nAnd this" in form
    data = _note_post(**{"note-key_points_text": "Keep this\nAnd this\nNew one"})
    staff_client.post(reverse("events:note_edit", args=[note.slug]), data)
    note.refresh_from_db()
    assert [p.text for p in note.key_points.all()] == ["Keep this", "And this", "New one"]
    assert note.author == staff_user
    assert note.event == event


def test_a_tampered_speaker_form_is_refused_without_an_error_page(staff_client):
    event = _past()
    data = _note_post()
    del data["speakers-TOTAL_FORMS"]
    response = staff_client.post(reverse("events:note_create", args=[event.slug]), data)
    assert response.status_code == 200
    assert not EventNote.objects.exists()


def test_admin_manages_every_events_model(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="boss", password="x")
    client.force_login(admin)
    event = _past()
    note = make_note(event=event)
    for name in ("event", "eventnote", "series"):
        assert client.get(reverse(f"admin:events_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:events_{name}_add")).status_code == 200
    page = client.get(reverse("admin:events_eventnote_change", args=[note.pk])).content.decode()
    assert "First point" in page and "Jen Wallace" in page

    Series.objects.create(name="Better leadership")
    response = client.post(
        reverse("admin:events_series_add"), {"name": "BETTER leadership", "slug": "other"}
    )
    assert response.status_code == 200
    assert "A series with this name already exists" in response.content.decode()
    assert Series.objects.count() == 1
