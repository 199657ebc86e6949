"""The shared page cache (config/pagecache.py): visitors get public pages from it, nobody
ever sees a stale page after a change, and nothing personal is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from practice.models import WriteUp
from practice.publishing import Status
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def page_cache(settings, tmp_path):
    """The real default: a file cache, as several worker processes share it."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.AGGREGATE_CACHE = True
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "pages"),
        },
    }


def visit(client, path: str) -> tuple[str, str]:
    """The page as an anonymous visitor gets it, and whether it came from the cache."""
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode(), response.get("X-Page-Cache", "")


def test_public_pages_are_served_from_the_cache_without_vary_cookie(
    client, django_assert_num_queries
):
    writeup = make_writeup(title="Carers cafe", tags=("carers",))
    for path in ("/", "/practice/", writeup.get_absolute_url(), "/tags/carers/", "/events/"):
        first = client.get(path)
        assert first["X-Page-Cache"] == "miss", path
        assert "Vary" not in first or "cookie" not in first["Vary"].lower(), path
        assert not first.cookies, path
        with django_assert_num_queries(0):
            second = client.get(path)
        assert second["X-Page-Cache"] == "hit", path
        assert second.content == first.content
        # The security headers are set afresh on every hit.
        assert "Content-Security-Policy" in second


WRITEUP, EVENT, NOTE = "write-up", "event", "note"


def _item(kind: str):
    if kind == WRITEUP:
        return make_writeup(title="Carers cafe", tags=("carers",))
    event = make_event(title="Carers cafe", starts_at=timezone.now() - timedelta(days=3))
    if kind == EVENT:
        event.tags.set(["carers"])
        return event
    return make_note(event=event, title="Carers cafe notes", tags=("carers",))


def _pages(kind: str, item) -> list[str]:
    """A list that shows the item, the home page where it shows there (latest write-ups and
    notes; past events are not on it), its topic's page and its own."""
    listing = {WRITEUP: "/practice/", EVENT: "/events/past/", NOTE: "/events/past/"}[kind]
    home = [] if kind == EVENT else ["/"]
    return [listing, *home, "/tags/carers/", item.get_absolute_url()]


def _edit(item) -> str:
    item.title = "Carers cafe renamed"
    item.save()
    return "Carers cafe renamed"


@pytest.mark.parametrize("kind", [WRITEUP, EVENT, NOTE])
def test_every_change_shows_on_the_next_visit(client, kind):
    """Publish, edit, retag, unpublish and delete, of each content type: the next anonymous
    request of every page showing the item shows the change."""
    item = _item(kind)
    item.status = Status.DRAFT
    item.save()
    pages = _pages(kind, item)
    for path in pages[:-2]:
        visit(client, path)
        assert visit(client, path)[1] == "hit"

    item.publish()
    item.save()
    for path in pages:
        html, source = visit(client, path)
        assert source == "miss" and item.title in html, (path, "publish")
        assert visit(client, path)[1] == "hit"

    title = _edit(item)
    for path in pages:
        assert title in visit(client, path)[0], (path, "edit")

    item.tags.set(["dementia"])
    html, _ = visit(client, "/tags/dementia/")
    assert title in html
    assert title not in client.get("/tags/carers/").content.decode()

    item.unpublish()
    item.save()
    for path in pages[:-2]:
        assert title not in visit(client, path)[0], (path, "unpublish")
    assert client.get(item.get_absolute_url()).status_code == 404

    item.publish()
    item.save()
    assert title in visit(client, pages[0])[0]
    item.delete()
    assert title not in visit(client, pages[0])[0], "delete"


def test_signed_in_staff_never_get_or_fill_the_cache(client, staff_user):
    make_writeup(title="Carers cafe")
    visit(client, "/practice/")
    assert visit(client, "/practice/")[1] == "hit"
    client.force_login(staff_user)
    response = client.get("/practice/")
    assert "X-Page-Cache" not in response
    assert "Sign out" in response.content.decode()
    assert "private" in response["Cache-Control"]
    client.logout()
    client.cookies.clear()
    html, source = visit(client, "/practice/")
    assert source == "hit" and "Sign out" not in html


@pytest.mark.parametrize("path", ["/updates/", "/sign-in/", "/search/?q=carers", "/updates/link/"])
def test_forms_search_and_personal_pages_are_never_kept(client, path):
    make_writeup(title="Carers cafe", tags=("carers",))
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response, path
    if "csrfmiddlewaretoken" in response.content.decode():
        assert "private" in response["Cache-Control"]


def test_preferences_pages_say_no_store(client):
    from stakeholders.tokens import Purpose, make_token
    from tests.stakeholders.conftest import make_subscriber

    make_writeup(tags=("carers",))
    token = make_token(make_subscriber(topics=("carers",)), Purpose.MANAGE)
    response = client.get(f"/updates/preferences/{token}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "X-Page-Cache" not in response


def test_a_page_rendered_before_a_change_is_never_served_after_it(client, monkeypatch):
    """A request that read the old data but is stored after a change committed keeps the
    generation it started with, which no later request asks for."""
    from config import pagecache

    make_writeup(title="Carers cafe")
    real = pagecache._cacheable_response

    def change_then_store(response):
        WriteUp.objects.filter(title="Carers cafe").delete()  # commits: a new generation
        return real(response)

    monkeypatch.setattr(pagecache, "_cacheable_response", change_then_store)
    assert "Carers cafe" in visit(client, "/practice/")[0]  # rendered before the delete
    monkeypatch.undo()
    html, source = visit(client, "/practice/")
    assert source == "miss" and "Carers cafe" not in html


def test_aggregates_are_kept_until_content_changes(client, staff_user, django_assert_num_queries):
    """Popular tags and the digest's topics are computed once per change, and a retag shows
    at once, even to staff, whose pages are never cached."""
    from practice.queries import popular_tags
    from stakeholders.queries import topic_choices

    writeup = make_writeup(title="Carers cafe", tags=("carers",))
    assert [tag.slug for tag in popular_tags()] == ["carers"]
    assert topic_choices() == [("carers", "carers")]
    with django_assert_num_queries(0):
        popular_tags()
        topic_choices()
    writeup.tags.add("dementia")
    assert [tag.slug for tag in popular_tags()] == ["carers", "dementia"]
    assert topic_choices() == [("carers", "carers"), ("dementia", "dementia")]
    client.force_login(staff_user)
    writeup.tags.set(["housing"])
    html = client.get("/practice/").content.decode()
    assert "/tags/housing/" in html and "/tags/dementia/" not in html


@pytest.mark.parametrize("kind", [WRITEUP, NOTE])
def test_more_like_this_is_kept_until_content_changes(client, staff_user, kind):
    """An item's related list is worked out once per change of content (staff pages, which
    are never cached, show it), and a publish or unpublish elsewhere shows on the next visit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = _item(kind)
    other = make_writeup(title="Carers cafe in Leeds", summary=item.summary)
    client.force_login(staff_user)
    path = item.get_absolute_url()

    def visit_counting() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(path).content.decode()
        return html, len(queries)

    first, computed = visit_counting()
    assert other.get_absolute_url() in first
    again, kept = visit_counting()
    assert other.get_absolute_url() in again and kept < computed, "worked out again"

    newer = make_writeup(title="Carers cafe in York", summary=item.summary)
    html, _ = visit_counting()
    assert newer.get_absolute_url() in html and other.get_absolute_url() in html
    other.status, other.published_at = Status.DRAFT, None
    other.save()
    html, _ = visit_counting()
    assert other.get_absolute_url() not in html and newer.get_absolute_url() in html


def test_pages_that_read_the_index_are_not_kept_past_its_change(client):
    """An item's page lists related work from the search index. Content that reaches the
    index without a model signal (a bulk import, then its indexing) still empties the
    cache: the index announces its own changes."""
    from search import registry, signals

    item = make_writeup(title="Carers cafe", tags=("carers",))
    path = item.get_absolute_url()
    visit(client, path)
    assert visit(client, path)[1] == "hit"
    (newer,) = WriteUp.objects.bulk_create(
        [
            WriteUp(
                title="Carers cafe in York",
                slug="carers-cafe-in-york",
                summary=item.summary,
                status=Status.PUBLISHED,
                published_at=timezone.now(),
            )
        ]
    )
    signals.mark(registry.type_for(WriteUp), newer.pk)  # runs at once: no transaction open
    html, source = visit(client, path)
    assert source == "miss" and newer.get_absolute_url() in html
