"""A page cache shared by every worker: public pages, as an anonymous visitor gets them.

Only what is the same for every visitor is kept: a GET or HEAD without a session or messages
cookie, whose response is a 200 that sets no cookie, varies on no cookie (a page that used
the session or a CSRF token says `Vary: Cookie`, so forms and anything personal are never
kept) and is not marked private or no-store. Staff and personal pages never qualify, and
search results are not kept either: every search is logged for the gaps page.

Invalidation is by generation: every key holds the site's current generation, a random
token that any change to content (a save, delete or retag of anything in practice, events
or taggit, the admin and management commands included) replaces once its transaction
commits. The next request then misses, and nobody sees a stale page after a publish, an
unpublish or an edit. A request keeps the generation it started with, so a page rendered
from data read before a change is stored under the old generation and never served.

The cache is Django's `pages` cache (settings.CACHES): a file-based cache under the data
folder by default, which every process on the machine shares; Redis with `CACHE_URL`.
"""

from __future__ import annotations

import hashlib
import uuid

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

GENERATION_KEY = "page-generation"
# Apps whose models are shown on public pages.
CONTENT_APPS = ("practice", "events", "taggit")
# Never kept whatever the response says (personal, staff or logged).
NEVER = ("/admin/", "/staff/", "/search/", "/sign-in/", "/sign-out/", "/updates/", "/media/")
# Pages of the digest that are the same for everyone.
PUBLIC_UPDATES = ("/updates/check-your-email/",)


def _cache():
    return caches["pages"]


def generation() -> str:
    """The current generation; a new one if the cache lost it (every old page is then
    unreachable, never served again)."""
    cache = _cache()
    current = cache.get(GENERATION_KEY)
    if current is None:
        current = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, current, timeout=None):
            current = cache.get(GENERATION_KEY) or current
    return current


def invalidate() -> None:
    """Every cached page is out of date from now on."""
    _cache().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def remember(name: str, compute):
    """`compute()`, kept until content next changes: for aggregates that only a publish, an
    unpublish or a retag can change (popular tags, the digest's topics). Computed afresh
    when AGGREGATE_CACHE is off (most tests: their changes never commit)."""
    if not settings.AGGREGATE_CACHE:
        return compute()
    key = f"value:{generation()}:{name}"
    value = _cache().get(key)
    if value is None:
        value = compute()
        _cache().set(key, value, timeout=None)
    return value


def _changed(sender, raw=False, **kwargs) -> None:
    if raw:
        return
    transaction.on_commit(invalidate, robust=True)


def _index_changed(sender, **kwargs) -> None:
    invalidate()


def related_items(*, kind: str, pk: int, text: str, limit: int) -> list:
    """The "More like this" list of an item's own page (search.similar.similar_items for its
    text), kept until content next changes. Any edit of the item is such a change, so its id
    stands for its text."""
    from search.similar import similar_items

    return remember(
        f"related:{kind}:{pk}:{limit}",
        lambda: similar_items(text=text, exclude=(kind, pk), limit=limit),
    )


def connect() -> None:
    from search.signals import entries_changed

    # Kept pages and lists read the search index too, which is written after the commit.
    entries_changed.connect(_index_changed, dispatch_uid="pagecache-search-index")
    for model in apps.get_models():
        if model._meta.app_label not in CONTENT_APPS:
            continue
        uid = f"pagecache-{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")
        m2m_changed.connect(_changed, sender=model, dispatch_uid=f"{uid}-m2m")


def _cacheable_request(request: HttpRequest) -> bool:
    if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    path = request.path
    return path in PUBLIC_UPDATES or not path.startswith(NEVER)


def _cacheable_response(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "cookie" in response.get("Vary", "").lower():
        return False
    control = response.get("Cache-Control", "").lower()
    return "private" not in control and "no-store" not in control


def _key(request: HttpRequest, current: str) -> str:
    url = f"{request.method}:{request.get_host()}{request.get_full_path()}"
    return f"page:{current}:{hashlib.sha256(url.encode()).hexdigest()}"


class PageCacheMiddleware:
    """Serves and keeps public pages for anonymous visitors (see the module's notes).
    `X-Page-Cache` says hit or miss on pages that may be kept."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _cacheable_request(request):
            return _private_if_personal(self.get_response(request))
        current = generation()
        key = _key(request, current)
        cached = _cache().get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if _cacheable_response(response):
            response["X-Page-Cache"] = "miss"
            _cache().set(key, response, timeout=settings.PAGE_CACHE_SECONDS)
        return _private_if_personal(response)


def _private_if_personal(response: HttpResponse) -> HttpResponse:
    """A page that depends on who asks (it read the session or holds a CSRF token) is
    for that person's browser alone: `Cache-Control: private` unless the view said more."""
    control = response.get("Cache-Control", "").lower()
    personal = "cookie" in response.get("Vary", "").lower()
    if personal and "private" not in control and "no-store" not in control:
        patch_cache_control(response, private=True)
    return response
