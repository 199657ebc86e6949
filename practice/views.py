from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from reversion.views import create_revision

from config import pagecache, roles
from practice import queries, workflow
from practice.forms import WriteUpForm
from practice.models import EVIDENCE_LEVEL_DESCRIPTIONS, EvidenceLevel, Region, WriteUp
from practice.permissions import editable_or_404, writer_required
from practice.publishing import Status
from practice.stale import changed_since_opened
from search import registry
from search.similar import similar_items, similar_text


def about(request: HttpRequest) -> HttpResponse:
    levels = [(level, EVIDENCE_LEVEL_DESCRIPTIONS[level]) for level in EvidenceLevel]
    return render(request, "about.html", {"evidence_levels": levels})


def writeup_list(request: HttpRequest) -> HttpResponse:
    filters = queries.WriteUpFilters.from_query(request.GET)
    return render(
        request,
        "practice/writeup_list.html",
        {
            "page_obj": queries.writeup_page(request.user, filters, request.GET.get("page")),
            "filters": filters,
            "filter_tag": queries.shown_tag(filters.tag, request.user),
            "regions": Region.choices,
            # The levels search filters by: "Not assessed" is no level (practice/search.py).
            "evidence_levels": [
                (int(level), label) for level, label in registry.labels("evidence").items()
            ],
            "popular_tags": queries.popular_tags(limit=30),
        },
    )


def writeup_detail(request: HttpRequest, slug: str) -> HttpResponse:
    writeup = get_object_or_404(
        WriteUp.objects.visible_to(request.user).select_related("author").with_tags(),
        slug=slug,
    )
    return render(
        request,
        "practice/writeup_detail.html",
        {"writeup": writeup, "related": related_items(writeup)},
    )


def related_items(writeup: WriteUp):
    """Published items most like this one, by the same measure as the similar-work panel."""
    tags = " ".join(tag.name for tag in writeup.tags.all())
    return pagecache.related_items(
        kind="writeup", pk=writeup.pk, text=f"{writeup.title} {writeup.summary} {tags}", limit=4
    )


def _save_writeup(request: HttpRequest, form: WriteUpForm) -> WriteUp:
    writeup = form.save(commit=False)
    workflow.apply_action(request.user, writeup, request.POST.get("action"))
    with transaction.atomic():
        writeup.save()
        form.save_m2m()
    return writeup


def _draft_message(user, item=None) -> str:
    if item is not None and item.status == Status.IN_REVIEW:
        return "Sent for review: an editor will publish it or send it back with comments."
    if roles.is_editor(user):
        return "Saved as a draft. Only staff can see it."
    return "Saved as a draft. Only you and editors can see it; submit it for review when ready."


def _similar_work_check(request: HttpRequest, writeup: WriteUp | None) -> HttpResponse:
    """The no-JavaScript "Check for similar work" button: redisplay the form as typed, with
    the similar-work panel filled in, without validating or saving anything."""
    form = WriteUpForm(initial=request.POST.dict(), instance=writeup)
    text = similar_text(request.POST.get("title", ""), request.POST.get("summary", ""))
    exclude = ("writeup", writeup.pk) if writeup else None
    return render(
        request,
        "practice/writeup_form.html",
        {
            "form": form,
            "writeup": writeup,
            "similar": similar_items(text=text, exclude=exclude),
            "similar_checked": bool(text.strip()),
        },
    )


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def writeup_create(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "similar":
        return _similar_work_check(request, None)
    form = WriteUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        writeup = _save_writeup(request, form)
        messages.success(
            request,
            "Published: it is now on the site."
            if writeup.is_published
            else _draft_message(request.user, writeup),
        )
        return redirect(writeup)
    return render(request, "practice/writeup_form.html", {"form": form, "writeup": None})


@writer_required
@require_http_methods(["GET", "POST"])
@create_revision()
def writeup_edit(request: HttpRequest, slug: str) -> HttpResponse:
    writeup = editable_or_404(request.user, WriteUp.objects.all(), slug=slug)
    if request.POST.get("action") == "similar":
        return _similar_work_check(request, writeup)
    form = WriteUpForm(request.POST or None, instance=writeup)
    stale = None
    if request.method == "POST" and form.is_valid():
        stale = changed_since_opened(request, writeup)
    if stale is None and request.method == "POST" and form.is_valid():
        writeup = _save_writeup(request, form)
        messages.success(
            request,
            "Changes published." if writeup.is_published else _draft_message(request.user, writeup),
        )
        return redirect(writeup)
    return render(
        request, "practice/writeup_form.html", {"form": form, "writeup": writeup, "stale": stale}
    )
