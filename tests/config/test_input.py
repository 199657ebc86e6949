"""Control characters are stripped from every GET parameter and form field."""

from __future__ import annotations

import pytest

from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/practice/?tag=%00",
        "/practice/?region=%00&evidence=%00",
        "/search/?q=care%00s&tag=%00",
        "/events/?tag=%00",
        "/search/suggest/?q=%00",
    ],
)
def test_a_nul_in_the_address_bar_is_not_a_server_error(client, path):
    """Regression: GET /practice/?tag=%00 reached PostgreSQL, which refused it (500)."""
    assert client.get(path).status_code == 200


def test_staff_preview_with_a_nul_finds_the_address_without_it(staff_client):
    """Regression: /updates/staff/preview/?email=%00 answered 500."""
    response = staff_client.get("/updates/staff/preview/?email=%00")
    assert response.status_code == 200
    response = staff_client.get("/updates/staff/preview/?email=no%00body%40example.org")
    assert response.context["email"] == "nobody@example.org"


def test_control_characters_in_a_tag_filter_are_dropped(client):
    make_writeup(title="Carers café", tags=("carers",))
    response = client.get("/practice/", {"tag": "car\x00ers\x1b"})
    assert "Carers café" in response.content.decode()


def test_form_fields_keep_line_breaks_and_lose_other_controls(staff_client):
    staff_client.post(
        "/practice/new/",
        {
            "title": "Drop\x00-ins\x07 for carers",
            "summary": "What we tried.",
            "body": "First line\x0c\r\nSecond\tline\x1b[31m",
            "evidence_level": "2",
            "action": "draft",
        },
    )
    from practice.models import WriteUp

    writeup = WriteUp.objects.get()
    assert writeup.title == "Drop-ins for carers"
    assert writeup.body == "First line\r\nSecond\tline[31m"
