"""Issue 13: nothing unpublished ever reaches a public surface.

For every content type (write-up, event, event note) and every status that is not published
(draft, which is also what a restored item is saved as; held; in review; changes requested;
scheduled for a future `publish_at`), a secret item is created beside a published set that
shares its words and its tag, so that every surface has something to show. The secret item
carries a word of its own (`hush...`) in its title (hence its slug), summary and body, and a
tag of its own (`hushtag-...`): neither may appear anywhere a visitor, or a signed-in
contributor who is not the author, can reach.

This extends tests/search/test_unpublished_items_never_leak (tests/search/test_views.py),
which covers only draft and held write-ups on search, suggestions and similar work, for the
same signed-in/anonymous pair. Here: all three content types and all five statuses, and also
facet counts, did-you-mean, related panels, tag pages and the tag clouds, the listings and
series pages, the calendar feed, the sitemap, the weekly digest, the item's own URLs and its
history page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from config import roles
from events.models import Event, EventNote, Series
from practice.models import WriteUp
from practice.publishing import Status
from search.forms import SearchForm
from search.queries import search_run
from stakeholders.digest.content import digest_preview
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.stakeholders.conftest import make_subscriber

pytestmark = pytest.mark.django_db

KINDS = ("writeup", "event", "note")
STATUSES = (
    Status.DRAFT,  # also what a restored item is saved as (practice/history.py)
    Status.HELD,
    Status.IN_REVIEW,
    Status.CHANGES_REQUESTED,
    Status.SCHEDULED,
)
SURFACES = ("search", "pages", "feeds", "digest", "own_urls")

# Real leaks found so far: {(kind, status, surface): reason}. Each is xfail(strict=True), so
# the case starts failing (and must be removed from here) the day the leak is fixed.
KNOWN_LEAKS: dict[tuple[str, str, str], str] = {}


@dataclass
class Case:
    kind: str
    status: str
    shared_word: str  # in the published items and the secret one
    secret_word: str  # only in the secret item: its title, slug, summary and body
    shared_tag: str  # on the published items and the secret one
    secret_tag: str  # only on the secret item
    published: dict[str, WriteUp | Event | EventNote]
    series: Series
    secret: list[WriteUp | Event | EventNote]


def _contributor(username: str):
    user = get_user_model().objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get_or_create(name=roles.CONTRIBUTOR)[0])
    return user


def _build(kind: str, status: str, author) -> Case:
    st = status.replace("_", "")
    word, secret_word = f"leak{kind}{st}", f"hush{kind}{st}"
    tag, secret_tag = f"leaktag-{st}-{kind}", f"hushtag-{st}-{kind}"
    now = timezone.now()
    series = Series.objects.create(name=f"Leak series {kind} {st}")
    shared = {"tags": (tag,)}
    published = {
        "writeup": make_writeup(
            title=f"Public {word} write-up",
            summary=f"How carers used {word} in the community.",
            body=f"The {word} approach, described.",
            **shared,
        ),
        "event": make_event(
            title=f"Public {word} round table",
            description=f"A round table on {word}.",
            series=series,
            **shared,
        ),
        "host": make_event(
            title=f"Public {word} meeting",
            description=f"A meeting on {word}.",
            starts_at=now - timedelta(days=3),
            series=series,
            **shared,
        ),
    }
    published["note"] = make_note(
        event=published["host"],
        title=f"Public {word} notes",
        summary=f"What the {word} meeting said.",
        body=f"Notes on {word}.",
        **shared,
    )
    secret_fields = {
        "status": status,
        "author": author,
        "tags": (tag, secret_tag),
    }
    if status == Status.SCHEDULED:
        secret_fields["publish_at"] = now + timedelta(days=3)
    title = f"Secret {word} {secret_word} plan"
    text = f"{secret_word} and {word}: not public yet."
    if kind == "writeup":
        secret = [make_writeup(title=title, summary=text, body=text, **secret_fields)]
    elif kind == "event":
        secret = [
            make_event(title=title, description=text, series=series, **secret_fields),
            make_event(
                title=f"{title} past",
                description=text,
                series=series,
                starts_at=now - timedelta(days=2),
                **secret_fields,
            ),
        ]
    else:
        secret = [
            make_note(
                event=published["host"],
                title=title,
                summary=text,
                body=text,
                key_points=(text,),
                **secret_fields,
            )
        ]
    return Case(kind, status, word, secret_word, tag, secret_tag, published, series, secret)


class Leaks:
    """Collects every surface that shows the secret item, to report them all at once."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.found: list[str] = []

    def markers(self) -> tuple[str, ...]:
        """What only the secret item shows: its title (and so its slug), its summary and
        body, its own tag as a link or a label. Not the bare words: a results page echoes
        the query and the filters it was given."""
        c = self.case
        return (
            f"secret {c.shared_word}",
            f"secret-{c.shared_word}",
            f"{c.secret_word} and {c.shared_word}",
            f"/tags/{c.secret_tag}/",
            f">{c.secret_tag}<",
            f'"label": "{c.secret_tag}"',
            f"categories:{c.secret_tag}",
            f",{c.secret_tag}",
        )

    def check(self, where: str, text: str) -> None:
        lowered = text.lower()
        for marker in self.markers():
            if marker in lowered:
                self.found.append(f"{where}: shows {marker!r}")

    def expect(self, where: str, condition: bool, what: str) -> None:
        if not condition:
            self.found.append(f"{where}: {what}")


def _get(client: Client, url: str, **params):
    return client.get(url, params or None)


def _page(leaks: Leaks, who: str, client: Client, url: str, **params) -> str:
    response = _get(client, url, **params)
    where = f"{who} GET {url} {params or ''}".rstrip()
    leaks.expect(where, response.status_code == 200, f"status {response.status_code}")
    body = response.content.decode()
    leaks.check(where, body)
    return body


def _facets(q: str = "", **filters) -> tuple[int, dict]:
    results = search_run(**SearchForm({"q": q, **filters}).search_arguments())
    counts = {
        dimension: sorted((v.value, v.count) for v in values)
        for dimension, values in results.facets.items()
    }
    return results.total, counts


def _misspelt(word: str) -> str:
    """One letter changed inside the word: within did-you-mean's edit distance."""
    return word[:5] + ("x" if word[5] != "x" else "y") + word[6:]


def _search(leaks: Leaks, case: Case, clients: dict[str, Client]) -> None:
    word = case.shared_word
    for who, client in clients.items():
        html = _page(leaks, who, client, "/search/", q=word)
        leaks.expect(f"{who} search {word}", "Public " in html, "the published items are missing")
        for params in (
            {"q": case.secret_word},
            {"q": f"{word} {case.secret_word}"},
            {"q": ""},
            {"q": word, "tag": case.shared_tag},
            {"q": "", "tag": case.secret_tag},
        ):
            _page(leaks, who, client, "/search/", **params)
        # Did you mean: the secret item's words are not in the published vocabulary.
        html = _page(leaks, who, client, "/search/", q=_misspelt(case.secret_word))
        leaks.expect("did-you-mean", "result-count" in html, "no results page")
        for typed in (
            case.secret_word[:6],
            word[:8],
            f"secret {word}",
            case.secret_tag,
        ):
            response = client.get("/search/suggest/", {"q": typed})
            leaks.check(f"{who} suggestions {typed!r}", json.dumps(response.json()))
        response = client.get("/search/suggest/", {"q": word[:8]})
        leaks.expect(
            "suggestions", "Public" in response.content.decode(), "published items not suggested"
        )
        for title in (f"{word} {case.secret_word}", case.secret_word, case.secret_tag):
            response = client.get("/search/similar/", {"title": title, "summary": title})
            leaks.check(f"{who} similar work {title!r}", response.content.decode())
        response = client.get("/search/similar/", {"title": word, "summary": word})
        leaks.check(f"{who} similar work {word!r}", response.content.decode())
        leaks.expect(
            "similar work", "Public" in response.content.decode(), "published items not offered"
        )
    # Facet counts (and the total) are what the published items alone give.
    searches = [
        {"q": word},
        {"q": word, "tag": case.shared_tag},
        {"q": ""},
        {"q": "", "tag": case.shared_tag},
    ]
    with_secret = [_facets(**s) for s in searches]
    for item in case.secret:
        item.delete()
    without_secret = [_facets(**s) for s in searches]
    for params, before, after in zip(searches, with_secret, without_secret, strict=True):
        leaks.expect(
            f"facets {params}", before == after, f"counts {before} differ from published {after}"
        )


def _pages(leaks: Leaks, case: Case, clients: dict[str, Client]) -> None:
    published = case.published
    for who, client in clients.items():
        for url in (
            "/",
            "/practice/",
            "/events/",
            "/events/past/",
            case.series.get_absolute_url(),
            f"/tags/{case.shared_tag}/",
        ):
            _page(leaks, who, client, url)
        _page(leaks, who, client, "/practice/", tag=case.shared_tag)
        # The published items' own pages, with their related panels ("More like this",
        # related write-ups and notes, the notes of a meeting).
        for item in published.values():
            _page(leaks, who, client, item.get_absolute_url())
        response = client.get(f"/tags/{case.secret_tag}/")
        leaks.expect(
            f"{who} tag page of the secret-only tag",
            response.status_code == 404,
            f"status {response.status_code}",
        )
        # A 404 page names the path asked for: that is the visitor's own input.
        body = response.content.decode().replace(f"/tags/{case.secret_tag}/", "")
        leaks.check(f"{who} /tags/{case.secret_tag}/", body)


def _feeds(leaks: Leaks, case: Case, clients: dict[str, Client]) -> None:
    for who, client in clients.items():
        feed = _page(leaks, who, client, "/events/feed.ics")
        leaks.expect("calendar feed", "Public " in feed, "the published event is missing")
        sitemap = _page(leaks, who, client, "/sitemap.xml")
        leaks.expect(
            "sitemap",
            case.published["writeup"].get_absolute_url() in sitemap,
            "the published write-up is missing",
        )
        for item in case.published.values():
            if isinstance(item, Event):
                _page(leaks, who, client, item.get_ics_url())


def _digest(leaks: Leaks, case: Case) -> None:
    later = timezone.now() + timedelta(minutes=1)
    for subscriber in (
        make_subscriber(topics=(case.shared_tag,)),
        make_subscriber(topics=(case.secret_tag,)),
        make_subscriber(all_topics=True),
    ):
        content, message = digest_preview(subscriber=subscriber, now=later)
        where = f"digest for {subscriber.topics or 'all topics'}"
        for item in [*content.items, *content.upcoming]:
            leaks.check(where, f"{item.title} {item.url} {item.summary} {item.tag_slugs}")
        if subscriber.topics == [case.secret_tag]:
            leaks.expect(where, message is None, "a digest was built from the secret item")
            continue
        leaks.expect(where, message is not None, "no digest (the published items are missing)")
        if message is not None:
            leaks.check(where, message.subject)
            leaks.check(where, message.body)
            for html, _ in message.alternatives:
                leaks.check(f"{where} (HTML)", html)


def _own_urls(leaks: Leaks, case: Case, clients: dict[str, Client]) -> None:
    history_kind = {WriteUp: "writeup", Event: "event", EventNote: "note"}
    for who, client in clients.items():
        for item in case.secret:
            urls = [item.get_absolute_url()]
            if isinstance(item, Event):
                urls.append(item.get_ics_url())
            for url in urls:
                response = client.get(url)
                leaks.expect(f"{who} {url}", response.status_code == 404, "not a 404")
                # A 404 page names the path asked for: that is the visitor's own input.
                leaks.check(f"{who} {url}", response.content.decode().replace(url, ""))
            url = f"/history/{history_kind[type(item)]}/{item.pk}/"
            response = client.get(url)
            if who == "anonymous":
                allowed = response.status_code == 404 or (
                    response.status_code == 302 and "/sign-in/" in response["Location"]
                )
            else:
                allowed = response.status_code == 404
            leaks.expect(f"{who} {url}", allowed, f"status {response.status_code}")
            leaks.check(f"{who} {url}", response.content.decode())


def _params():
    for kind in KINDS:
        for status in STATUSES:
            for surface in SURFACES:
                reason = KNOWN_LEAKS.get((kind, status, surface))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(
                    kind, status, surface, marks=marks, id=f"{kind}-{status}-{surface}"
                )


@pytest.mark.parametrize(("kind", "status", "surface"), list(_params()))
def test_unpublished_item_never_on_a_public_surface(kind, status, surface):
    author = _contributor("author")
    case = _build(kind, status, author)
    clients = {"anonymous": Client()}
    if status == Status.DRAFT:
        # Contributors see published items and their own (PublishableQuerySet.visible_to),
        # the same rule for every unpublished status: checked once, to keep the suite fast.
        other = Client()
        other.force_login(_contributor("other-contributor"))
        clients["other contributor"] = other
    leaks = Leaks(case)
    if surface == "search":
        _search(leaks, case, clients)
    elif surface == "pages":
        _pages(leaks, case, clients)
    elif surface == "feeds":
        _feeds(leaks, case, clients)
    elif surface == "digest":
        _digest(leaks, case)
    else:
        _own_urls(leaks, case, clients)
    assert leaks.found == [], "\n".join(leaks.found)
