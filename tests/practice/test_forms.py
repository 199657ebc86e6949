import pytest
from django.test import Client
from django.urls import reverse

from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db

VALID = {
    "title": "Weekly drop-ins cut missed appointments for carers",
    "summary": "We ran weekly drop-ins for carers at the GP surgery.",
    "context": "Carers missed appointments.",
    "what_we_did": "Ran **weekly** drop-ins.",
    "body": "The full story.",
    "evidence_level": "3",
    "organisation": "Calderdale Council",
    "region": "yorkshire-humber",
    "contact": "",
    "tags": "carers, GP practices",
}


def test_the_public_cannot_reach_the_form(client, django_user_model):
    response = client.get(reverse("practice:create"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    reader = django_user_model.objects.create_user(username="reader", password="x")
    client.force_login(reader)
    assert client.get(reverse("practice:create")).status_code == 403
    assert (
        client.post(reverse("practice:create"), {**VALID, "action": "publish"}).status_code == 403
    )
    assert not WriteUp.objects.exists()


def test_staff_save_a_draft_then_publish_it(staff_client, staff_user):
    public = Client()
    response = staff_client.post(reverse("practice:create"), {**VALID, "action": "draft"})
    writeup = WriteUp.objects.get()
    assert response.status_code == 302 and response["Location"] == writeup.get_absolute_url()
    assert writeup.status == Status.DRAFT and writeup.published_at is None
    assert writeup.author == staff_user
    assert sorted(t.name for t in writeup.tags.all()) == ["GP practices", "carers"]
    assert "<strong>weekly</strong>" in writeup.sections_html["what_we_did"]
    assert public.get(writeup.get_absolute_url()).status_code == 404

    staff_client.post(reverse("practice:edit", args=[writeup.slug]), {**VALID, "action": "publish"})
    writeup.refresh_from_db()
    assert writeup.status == Status.PUBLISHED and writeup.published_at is not None
    page = public.get(writeup.get_absolute_url())
    assert page.status_code == 200 and VALID["title"] in page.content.decode()
    assert VALID["title"] in public.get(reverse("practice:list")).content.decode()


def test_unpublishing_takes_a_writeup_off_the_public_site(staff_client):
    writeup = make_writeup(title="Going back to draft")
    assert "Going back to draft" in Client().get(reverse("practice:list")).content.decode()
    assert Client().get(writeup.get_absolute_url()).status_code == 200
    staff_client.post(
        reverse("practice:edit", args=[writeup.slug]),
        {**VALID, "title": "Going back to draft", "action": "draft"},
    )
    assert Client().get(writeup.get_absolute_url()).status_code == 404
    assert "Going back to draft" not in Client().get(reverse("practice:list")).content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title."),
        ({"title": "   "}, "title", "Enter a title."),
        ({"title": "!!! ???"}, "title", "Enter a title made of words."),
        ({"summary": ""}, "summary", "Enter a summary."),
        ({"evidence_level": ""}, "evidence_level", "Choose an evidence level."),
        ({"summary": "x" * 301}, "summary", "at most 300 characters"),
        ({"tags": "carers, <script>alert(1)</script>"}, "tags", "is not a usable tag"),
        ({"tags": "carers, $$$, ###"}, "tags", "is not a usable tag"),
        ({"tags": "a" * 60}, "tags", "too long"),
        ({"tags": ", ".join(f"topic {n}" for n in range(15))}, "tags", "at most 12 tags"),
        ({"evidence_level": "9"}, "evidence_level", "Select a valid choice"),
        ({"region": "atlantis"}, "region", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_keeps_what_was_typed(
    staff_client, change, field, message
):
    data = {**VALID, **change, "action": "publish"}
    response = staff_client.post(reverse("practice:create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert "Calderdale Council" in html  # what the user typed is still in the form
    assert not WriteUp.objects.exists()


def test_duplicate_titles_get_unique_slugs_that_stay_stable(staff_client):
    staff_client.post(reverse("practice:create"), {**VALID, "action": "publish"})
    staff_client.post(reverse("practice:create"), {**VALID, "action": "publish"})
    slugs = sorted(WriteUp.objects.values_list("slug", flat=True))
    assert slugs == [
        "weekly-drop-ins-cut-missed-appointments-for-carers",
        "weekly-drop-ins-cut-missed-appointments-for-carers-2",
    ]
    first = WriteUp.objects.get(slug=slugs[0])
    staff_client.post(
        reverse("practice:edit", args=[first.slug]),
        {**VALID, "title": "New title", "action": "publish"},
    )
    first.refresh_from_db()
    assert first.title == "New title" and first.slug == slugs[0]


def test_form_has_markdown_editor_with_preview_and_helpful_hints(staff_client):
    html = staff_client.get(reverse("practice:create")).content.decode()
    assert "markdownx-preview" in html
    assert "/staff/markdown/preview/" in html
    assert "Say what you did, not the name of the project" in html
    assert 'value="draft"' in html and 'value="publish"' in html


def test_optional_selects_say_not_given_rather_than_dashes(staff_client):
    from django.urls import reverse

    for path in (reverse("practice:create"), reverse("events:create")):
        html = staff_client.get(path).content.decode()
        assert "---------" not in html, path
        assert '<option value="" selected>Not given</option>' in html, path
