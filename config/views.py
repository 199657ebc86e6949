"""Pages that show every content type. They live in the project package, where every type is
read, so that practice/ never imports events/ (events/ may use practice/, not the reverse)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.generic import TemplateView
from taggit.models import Tag

from config import roles, trust
from events import queries as events_queries
from practice import queries
from practice.models import WriteUp


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "latest_writeups": WriteUp.objects.published().for_listing()[:6],
            "popular_tags": queries.popular_tags(limit=16),
            **events_queries.home_panels(),
        },
    )


def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    filters = queries.WriteUpFilters(tag=tag.slug)
    page = queries.writeup_page(request.user, filters, request.GET.get("page"))
    tagged_events = events_queries.tagged(tag)
    nothing_public = not (page.object_list or tagged_events["events"] or tagged_events["notes"])
    if nothing_public and page.number == 1 and not roles.is_editor(request.user):
        # A tag used only by drafts must not reveal that the drafts exist.
        raise Http404("No published write-ups use this tag.")
    return render(
        request, "practice/tag_detail.html", {"tag": tag, "page_obj": page, **tagged_events}
    )


# --- Trust pages ------------------------------------------------------------------------
# The privacy notice, accessibility statement and contact page. The contact address comes
# from CONTACT_EMAIL through config.context_processors.site.


class PrivacyView(TemplateView):
    """The privacy notice: periods, link lifetimes, consent version and cookies come from
    the code that enforces them (config/trust.py), read on every request."""

    template_name = "pages/privacy.html"

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), **trust.privacy_facts()}


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


class ContactView(TemplateView):
    template_name = "pages/contact.html"
