"""One-line fields never keep a line break: refused beside the field, with everything kept."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

import events.forms
import practice.forms
from events.models import Event, EventNote, Series, Speaker
from practice.models import WriteUp
from practice.plaintext import ONE_LINE_MESSAGE, is_one_line, validate_one_line
from tests.events.conftest import make_event
from tests.events.test_views import _event_post, _note_post

pytestmark = pytest.mark.django_db

BROKEN = "Name\r\nSubject: hi"


def _error_beside(page: str, field_id: str, message: str = ONE_LINE_MESSAGE) -> bool:
    """The message in the field's own error line (templates/includes/field.html)."""
    return (
        f'<p class="nhsuk-error-message field__error" id="{field_id}_error">'
        f'<span class="nhsuk-u-visually-hidden">Error:</span> {message}</p>'
    ) in page


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="boss", password="x"))
    return client


def test_an_organiser_with_a_line_break_is_refused_and_nothing_typed_is_lost(staff_client):
    """An organiser of "Name\\r\\nSubject: hi" was published and made every calendar 500."""
    data = _event_post(organiser=BROKEN, description="Bring *questions*.")
    response = staff_client.post(reverse("events:create"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["organiser"] == [ONE_LINE_MESSAGE]
    assert list(form.errors) == ["organiser"]
    page = response.content.decode()
    assert _error_beside(page, "id_organiser")
    assert form["organiser"].value() == BROKEN
    assert 'value="Carers round table"' in page and "Bring *questions*." in page
    assert not Event.objects.exists()
    assert staff_client.get(reverse("events:feed")).status_code == 200


@pytest.mark.parametrize("field", ["title", "venue", "organiser", "series_name", "tags"])
@pytest.mark.parametrize("breaking", ["\r\n", "\n", "\r", "\u2028"])
def test_every_one_line_field_of_the_event_form_refuses_line_breaks(staff_client, field, breaking):
    """Titles, venues, organisers, series names and tags could hold a line break."""
    typed = f"Leeds{breaking}Carers"
    response = staff_client.post(reverse("events:create"), _event_post(**{field: typed}))

    assert response.status_code == 200
    form = response.context["form"]
    assert ONE_LINE_MESSAGE in form.errors[field]
    assert _error_beside(response.content.decode(), f"id_{field}")
    assert form[field].value() == typed
    assert not Event.objects.exists() and not Series.objects.exists()


@pytest.mark.parametrize("field", ["title", "organisation", "contact", "tags"])
def test_every_one_line_field_of_the_write_up_form_refuses_line_breaks(staff_client, field):
    """A write-up's title, organisation, contact route or tags could hold a line break."""
    data = {
        "title": "Weekly drop-ins for carers",
        "summary": "What we tried.",
        "body": "The **story**.",
        "evidence_level": "2",
        "organisation": "Leeds Carers",
        "contact": "team@example.org",
        "tags": "carers",
        "action": "publish",
    }
    data[field] = BROKEN
    response = staff_client.post(reverse("practice:create"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [ONE_LINE_MESSAGE]
    assert _error_beside(response.content.decode(), f"id_{field}")
    assert form[field].value() == BROKEN
    assert "The **story**." in response.content.decode()
    assert not WriteUp.objects.exists()


@pytest.mark.parametrize("field", ["name", "organisation", "custom_role"])
def test_speaker_rows_refuse_line_breaks(staff_client, field):
    """A speaker's name, organisation or role could hold a line break."""
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    data = _note_post(**{f"speakers-0-{field}": BROKEN, "speakers-0-role": "other"})
    if field != "custom_role":
        data["speakers-0-custom_role"] = "Co-convenor"
    response = staff_client.post(reverse("events:note_create", args=[event.slug]), data)

    assert response.status_code == 200
    row = response.context["speakers"].forms[0]
    assert row.errors[field] == [ONE_LINE_MESSAGE]
    assert _error_beside(response.content.decode(), f"id_speakers-0-{field}")
    assert row[field].value() == BROKEN
    assert "Carers need breaks" in response.content.decode()
    assert not EventNote.objects.exists() and not Speaker.objects.exists()


def test_the_one_go_meeting_form_refuses_them_too(staff_client):
    """The one-go meeting form took line breaks in its event and in its notes alike."""
    data = {
        **_event_post(prefix="event-", venue=BROKEN),
        **_note_post(**{"note-title": BROKEN}),
    }
    response = staff_client.post(reverse("events:meeting_create"), data)

    assert response.status_code == 200
    assert response.context["event_form"].errors["venue"] == [ONE_LINE_MESSAGE]
    assert response.context["form"].errors["title"] == [ONE_LINE_MESSAGE]
    page = response.content.decode()
    assert _error_beside(page, "id_event-venue") and _error_beside(page, "id_note-title")
    assert not Event.objects.exists() and not EventNote.objects.exists()


def test_a_summary_box_wraps_its_line_instead_of_refusing_it(staff_client):
    """A summary is drawn as a box of several rows: a break typed there was kept."""
    data = {
        "title": "Weekly drop-ins for carers",
        "summary": "What we tried,\r\nfor whom,\n\nand what happened.",
        "evidence_level": "2",
        "action": "publish",
    }
    response = staff_client.post(reverse("practice:create"), data)

    assert response.status_code == 302
    assert WriteUp.objects.get().summary == "What we tried, for whom, and what happened."


def _event_admin_post(**overrides) -> dict:
    data = {
        "title": "Carers round table",
        "slug": "carers-round-table",
        "starts_at_0": "2031-06-03",
        "starts_at_1": "10:00:00",
        "ends_at_0": "2031-06-03",
        "ends_at_1": "12:00:00",
        "time_recorded": "on",
        "venue": "Leeds Civic Hall",
        "address": "Portland Crescent",
        "organiser": "Leeds Carers",
        "description": "Bring questions.",
        "tags": "carers",
        "status": "draft",
        "speakers-TOTAL_FORMS": "1",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "1000",
        "speakers-0-position": "0",
        "speakers-0-name": "Priya Shah",
        "speakers-0-organisation": "",
        "speakers-0-role": "chair",
        "speakers-0-custom_role": "",
    }
    data.update(overrides)
    return data


def test_the_admin_is_valid_as_posted(superuser_client):
    response = superuser_client.post(reverse("admin:events_event_add"), _event_admin_post())
    assert response.status_code == 302
    assert Event.objects.get().speakers.get().name == "Priya Shah"


@pytest.mark.parametrize("field", ["title", "venue", "organiser", "tags"])
def test_the_admin_change_form_refuses_line_breaks(superuser_client, field):
    """The admin's event form took the line breaks the site's own forms now refuse."""
    response = superuser_client.post(
        reverse("admin:events_event_add"), _event_admin_post(**{field: BROKEN})
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[field] == [ONE_LINE_MESSAGE]
    assert ONE_LINE_MESSAGE in response.content.decode()
    assert form[field].value() == BROKEN
    assert not Event.objects.exists()


def test_the_admin_speaker_rows_refuse_line_breaks(superuser_client):
    """Speakers edited inline in the admin could hold a line break."""
    response = superuser_client.post(
        reverse("admin:events_event_add"), _event_admin_post(**{"speakers-0-name": BROKEN})
    )

    assert response.status_code == 200
    (speakers,) = response.context["inline_admin_formsets"]
    assert speakers.formset.forms[0].errors["name"] == [ONE_LINE_MESSAGE]
    assert not Event.objects.exists() and not Speaker.objects.exists()


def test_the_admin_tag_form_refuses_line_breaks(superuser_client):
    """Tag names, edited in taggit's admin, become calendar categories and digest topics."""
    data = {"name": BROKEN, "slug": "name", **_inline_management("taggit_taggeditem_items")}
    response = superuser_client.post(reverse("admin:taggit_tag_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [ONE_LINE_MESSAGE]
    assert not Tag.objects.exists()

    data["name"] = "Name Subject: hi"
    assert superuser_client.post(reverse("admin:taggit_tag_add"), data).status_code == 302
    assert Tag.objects.get().name == "Name Subject: hi"


def test_the_admin_merge_tags_form_refuses_line_breaks(superuser_client):
    """taggit's "merge tags" form creates the tag it merges into, from the name typed."""
    carers, respite = Tag.objects.create(name="carers"), Tag.objects.create(name="respite")
    session = superuser_client.session
    session["selected_tag_ids"] = f"{carers.pk},{respite.pk}"
    session.save()
    url = reverse("admin:taggit_tag_merge_tags")

    response = superuser_client.post(url, {"new_tag_name": BROKEN}, follow=True)
    assert ONE_LINE_MESSAGE in response.content.decode()
    assert set(Tag.objects.values_list("name", flat=True)) == {"carers", "respite"}

    superuser_client.post(url, {"new_tag_name": "Carers and respite"})
    assert Tag.objects.filter(name="Carers and respite").exists()


def _inline_management(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _site_forms() -> list[tuple[str, type[forms.BaseForm]]]:
    modules = (practice.forms, events.forms)
    return [
        (f"{module.__name__}.{name}", cls)
        for module in modules
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ]


def _admin_forms(django_user_model) -> list[tuple[str, forms.BaseForm]]:
    request = RequestFactory().get("/admin/")
    request.user = django_user_model(is_staff=True, is_superuser=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"practice", "events", "taggit"}:
            continue
        found.append((f"{model.__name__} admin", model_admin.get_form(request)()))
        for inline in model_admin.get_inline_instances(request):
            formset = inline.get_formset(request)
            found.append((f"{model.__name__} admin inline {inline.model.__name__}", formset.form()))
    return found


def _model_field(form: forms.BaseForm, name: str):
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def test_every_one_line_field_of_every_form_and_admin_form_has_the_rule(django_user_model):
    """A field or admin added later must not bring line breaks back (the organiser bug)."""
    instances = [(label, cls()) for label, cls in _site_forms()]
    instances += _admin_forms(django_user_model)
    assert len(instances) >= 12
    missing = [
        f"{label}: {name}"
        for label, form in instances
        for name, field in form.fields.items()
        if is_one_line(field, _model_field(form, name))
        and validate_one_line not in field.validators
    ]
    assert missing == []
    checked = {
        f"{label}: {name}"
        for label, form in instances
        for name, field in form.fields.items()
        if validate_one_line in field.validators
    }
    assert {
        "events.forms.EventForm: organiser",
        "events.forms.SpeakerForm: name",
        "Event admin: venue",
        "Event admin inline Speaker: custom_role",
        "Tag admin: name",
        "WriteUp admin: summary",
    } <= checked
