"""The Jinja2 environment of the page components (templates/components/): the parts a page
renders many times over, such as a list's cards and topic links, and the header and footer
of every page. Jinja2 compiles a template to Python code; Django's engine walks its nodes and
resolves every variable through a chain of lookups on every render.

Pages stay Django templates and render a component with {% component %} (practice/
templatetags/wheelhouse.py). Components autoescape everything, as Django's templates do, and
an undefined name is an error, not an empty string.
"""

from __future__ import annotations

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment, StrictUndefined

from events.templatetags.events import event_when
from practice.publishing import slug_url


def date(value, format_string: str) -> str:
    """Django's `date` filter, in the current time zone as Django's templates show it."""
    return defaultfilters.date(template_localtime(value), format_string)


def url(view_name: str, *args, **kwargs) -> str:
    return reverse(view_name, args=args or None, kwargs=kwargs or None)


def tag_url(slug: str) -> str:
    """The topic page of a tag slug, as url("tag", slug=slug) without a reverse() per tag."""
    return slug_url("tag", slug)


def environment(**options) -> Environment:
    # Django's backend passes autoescape (True: it must stay so) and, with DEBUG, a lenient
    # `undefined`.
    options.pop("autoescape", None)
    options.pop("undefined", None)
    env = Environment(autoescape=True, undefined=StrictUndefined, **options)
    env.globals.update(static=static, url=url)
    env.filters.update(
        date=date,
        event_when=event_when,
        pluralize=defaultfilters.pluralize,
        tag_url=tag_url,
        truncatewords=defaultfilters.truncatewords,
    )
    return env
