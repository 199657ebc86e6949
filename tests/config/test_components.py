"""The Jinja2 page components (config/jinja2.py): what visitors typed is escaped, as in
Django's templates; a name a component is not given is an error, not an empty string; dates
are in UK time, as Django's templates show them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from jinja2 import UndefinedError

from tests.conftest import make_writeup
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load wheelhouse %}" + source).render(Context(context))


def test_a_card_escapes_what_was_typed_and_is_not_escaped_twice():
    writeup = make_writeup(title='<script>alert(1)</script> & "friends"', tags=("<b>carers</b>",))
    html = render('{% component "card/writeup.html" writeup=w level=2 %}', w=writeup)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;friends&#34;" in html
    assert "&lt;b&gt;carers&lt;/b&gt;" in html
    # The card's own markup reaches the page as HTML.
    assert html.lstrip().startswith('<article class="nhsuk-card wh-card">')
    assert "<h2 " in html


def test_a_name_the_component_is_not_given_is_an_error():
    """A hit without its type's label (a typo in a view, say) is an error, not a card that
    silently says nothing."""
    hit = {"url": "/practice/x/", "title": "A title"}
    with pytest.raises(UndefinedError):
        render('{% component "card/search_result.html" hit=h %}', h=hit)


def test_an_event_card_shows_its_time_in_uk_time():
    # 09:30 UTC in June is 10:30 in London.
    event = make_event(title="Summer meeting", starts_at=datetime(2025, 6, 3, 9, 30, tzinfo=UTC))
    html = render('{% component "card/event.html" event=e %}', e=event)
    assert 'datetime="2025-06-03T10:30:00+01:00"' in html
    assert "Tuesday 3 June 2025, 10:30" in html
