from __future__ import annotations

from django import forms, template
from django.conf import settings
from django.http import QueryDict
from django.template import engines
from django.utils.safestring import mark_safe

from config import memo, roles

register = template.Library()


@register.simple_tag
def component(name: str, **context) -> str:
    """templates/components/`name` (config/jinja2.py) rendered with `context`, as
    {% include name with ... only %} would be; kept for these values (config/memo.py)."""
    return memo.rendered(name, context, lambda: _rendered(name, context))


@register.simple_tag(takes_context=True)
def page_component(context, name: str, **extra) -> str:
    """A component of every page, such as the header: rendered as {% component %} renders,
    with the page's whole context (the request, who is signed in, what they may do) and
    `extra`."""
    values = context.flatten()
    values.update(extra)
    return _rendered(name, values, values.pop("request", None))


@register.simple_tag(takes_context=True)
def header(context, *, hide_search: bool = False) -> str:
    """The NHS.UK header. For a visitor who is not signed in it shows nothing personal: it is
    a component of the page's section and search words alone, kept as the cards are
    (config/memo.py). Staff get it with the page's whole context: their name, their links,
    the sign-out form's token."""
    request = context.get("request")
    match = request.resolver_match if request is not None else None
    values = {
        "app": match.app_name if match else "",
        "url_name": match.url_name if match else "",
        "hide_header_search": hide_search,
    }
    user = context.get("user")
    if user is not None and user.is_authenticated:
        return page_component(context, "header.html", **values)
    return component("header.html", header_query=context.get("header_query", ""), **values)


def _rendered(name: str, context: dict, request=None) -> str:
    """The component's HTML, which Jinja2 escaped as it rendered it: not escaped again."""
    template = engines["components"].get_template(name)
    return mark_safe(template.render(context, request))  # noqa: S308


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str = "") -> str:
    """`path` (or the current page's path) as an absolute URL on the public site."""
    if not path:
        request = context.get("request")
        path = request.path if request else "/"
    return f"{settings.SITE_URL}{path}"


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The current page without tracking or filter noise; keeps only the page number."""
    request = context["request"]
    page = request.GET.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""
    return f"{settings.SITE_URL}{request.path}{suffix}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _widget_class(widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "nhsuk-checkboxes__input"
    if isinstance(widget, forms.Textarea):
        return "nhsuk-textarea"
    if isinstance(widget, forms.Select):
        return "nhsuk-select"
    return "nhsuk-input"


@register.simple_tag
def nhsuk_widget(field) -> str:
    """`field`'s widget with NHS.UK's classes, its error state and its hint and error ids.

    The class is added to any the widget already has (the Markdown editor's), and
    aria-describedby names the hint and the error message that includes/field.html shows.
    """
    widget = field.field.widget
    base = _widget_class(widget)
    classes = [widget.attrs.get("class", ""), base]
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        if not isinstance(widget, forms.CheckboxInput):
            classes.append(f"{base}--error")
        described_by.append(f"{field.auto_id}_error")
    attrs = {"class": " ".join(c for c in classes if c)}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def editable_by(item, user) -> bool:
    """Whether `user` may edit `item` (config/roles.py): for edit links; the view checks."""
    return roles.can_edit(user, item)


@register.filter
def edit_stamp(item) -> str:
    """Which save of `item` an edit form was opened on (practice/stale.py)."""
    from practice.stale import stamp

    return stamp(item)


@register.filter
def history_url(item) -> str:
    """The staff page of `item`'s revisions (config/history_views.py), by its search kind."""
    from django.urls import reverse

    from search.registry import type_for

    search_type = type_for(item)
    if search_type is None or item.pk is None:
        return ""
    return reverse("item_history", kwargs={"kind": search_type.kind, "pk": item.pk})


@register.filter
def review_comment(item) -> str:
    """The editor's comments when they last sent `item` back for changes."""
    from practice.workflow import last_comment

    return last_comment(item)
