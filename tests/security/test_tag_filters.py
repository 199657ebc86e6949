"""A list filtered by a tag names the tag only when something published uses it.

`/practice/?tag=<slug>` and `/events/?tag=<slug>` print the filter's tag. A tag that only
drafts (or items in review) use must not show its stored name to visitors: the page is the
one a slug that never existed gets, the visitor's own words echoed back and nothing more.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from config import roles
from practice.publishing import Status
from tests.conftest import make_person, make_writeup, signed_in
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
SECRET = "Hush Secret Topic"  # slug hush-secret-topic: the name is not the slug
PUBLIC = "Open Shared Topic"


def _body(client: Client, path: str, slug: str) -> str:
    """The page with the filter's slug and the CSRF token (new each response) blanked, so
    two slugs' pages compare equal."""
    response = client.get(path, {"tag": slug})
    assert response.status_code == 200
    return CSRF.sub("CSRF", response.content.decode().replace(slug, "SLUG"))


@pytest.fixture
def secret_items(db):
    """The secret tag on an unpublished item of every type, beside published ones."""
    make_writeup(title="Secret plan", tags=(SECRET,), status=Status.DRAFT)
    make_writeup(title="Open plan", tags=(PUBLIC,))
    event = make_event(title="Secret meeting", tags=(SECRET,), status=Status.IN_REVIEW)
    make_note(event=make_event(title="Open meeting"), tags=(SECRET,), status=Status.DRAFT)
    make_event(title="Open round table", tags=(PUBLIC,))
    return event


@pytest.mark.parametrize("path", ["/practice/", "/events/", "/events/past/"])
@pytest.mark.parametrize(
    "who",
    ["anonymous", "contributor"],
)
def test_a_tag_only_unpublished_items_use_is_not_named(secret_items, path, who):
    client = Client() if who == "anonymous" else signed_in(make_person("c", roles.CONTRIBUTOR))
    secret = _body(client, path, "hush-secret-topic")
    assert SECRET not in secret
    assert secret == _body(client, path, "never-existed-topic")


@pytest.mark.parametrize("path", ["/practice/", "/events/"])
def test_a_published_tag_is_named_and_editors_see_every_name(secret_items, path):
    assert PUBLIC in Client().get(path, {"tag": "open-shared-topic"}).content.decode()
    editor = signed_in(make_person("e", roles.EDITOR))
    assert SECRET in editor.get(path, {"tag": "hush-secret-topic"}).content.decode()
