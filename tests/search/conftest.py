"""Search's test helpers. The index is written when a transaction commits (search/signals.py),
so every test here runs on_commit callbacks where production would commit."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from tests.search.commit import on_commit_as_in_production  # noqa: F401


def search(client, q: str = "", **params) -> str:
    """The results page's HTML for a query and any filters."""
    response = client.get(reverse("search:results"), {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(
            r'<h2 class="nhsuk-card__heading nhsuk-heading-s">'
            r'<a class="nhsuk-card__link" href="[^"]*">([^<]*)</a>',
            html,
        )
    ]
