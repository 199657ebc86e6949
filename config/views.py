"""Pages that show every content type. They live in the project package, where every type is
read, so that practice/ never imports events/ (events/ may use practice/, not the reverse)."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from taggit.models import Tag

from config import roles, trust
from config.forms import ApproveForm, ReviewByForm
from config.scheduling import REVIEWABLE, wake_at
from events import queries as events_queries
from practice import queries, workflow
from practice.models import ReviewCriterion, WriteUp
from practice.permissions import editor_required, writer_required
from practice.publishing import Status, review_soon
from search.registry import kind_label


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "latest_writeups": WriteUp.objects.published().for_listing().compiled("home")[:6],
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


# --- Review -----------------------------------------------------------------------------
# Editors' queue of submissions, every content type together (practice/workflow.py). Keyed
# by the kinds search knows them by, whose labels the pages show.

MAX_REVIEW_COMMENT = 2_000


def in_review_counts() -> int:
    """How many submissions wait, for the editors' header: one query for every type."""
    counts = " + ".join(
        f"(SELECT count(*) FROM {model._meta.db_table} WHERE status = %s)"  # noqa: S608
        for model in REVIEWABLE.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}", [Status.IN_REVIEW] * len(REVIEWABLE))
        return cursor.fetchone()[0]


@editor_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submissions waiting (oldest first), what is scheduled (soonest first), and published
    items due for review (most overdue first), every content type together."""
    waiting, scheduled, due = [], [], []
    for kind, model in REVIEWABLE.items():
        label = kind_label(kind)
        rows = model.objects.filter(
            Q(status__in=[Status.IN_REVIEW, Status.SCHEDULED])
            | Q(status=Status.PUBLISHED, review_by__lte=review_soon())
        ).select_related("author")
        for item in rows:
            target = {Status.IN_REVIEW: waiting, Status.SCHEDULED: scheduled}.get(item.status, due)
            target.append((kind, label, item))
    waiting.sort(key=lambda row: row[2].updated_at)
    scheduled.sort(key=lambda row: row[2].publish_at)
    due.sort(key=lambda row: row[2].review_by)
    return render(
        request,
        "review/queue.html",
        {
            "queue": waiting,
            "scheduled": scheduled,
            "due": due,
            "today": timezone.localdate(),
            "checklist": list(ReviewCriterion.objects.filter(active=True)),
            "max_comment": MAX_REVIEW_COMMENT,
        },
    )


def _submission(request: HttpRequest):
    """The model and id a review form names, or 404."""
    model = REVIEWABLE.get(request.POST.get("kind", ""))
    pk = request.POST.get("pk", "")
    if model is None or not pk.isdigit():
        raise Http404("No such submission.")
    return model, int(pk)


def _problems(form) -> str:
    """A small form's errors as one message (the queue's forms show it at the top)."""
    return " ".join(error for errors in form.errors.values() for error in errors)


@editor_required
@require_POST
def request_changes(request: HttpRequest) -> HttpResponse:
    """Send a submission back to its author with comments; once, however many editors
    press at once."""
    model, pk = _submission(request)
    comment = request.POST.get("comment", "").strip()
    if not comment or len(comment) > MAX_REVIEW_COMMENT:
        messages.error(
            request,
            "Say what needs to change, in at most "
            f"{MAX_REVIEW_COMMENT:,} characters: nothing was sent.",
        )
        return redirect("review")
    try:
        item = workflow.request_changes(model, pk, request.user, comment)
    except workflow.NotInReview:
        messages.info(request, "That submission is no longer in review: someone got there first.")
        return redirect("review")
    messages.success(request, f"Sent “{item.title}” back to its author with your comments.")
    return redirect("review")


@editor_required
@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    """Publish a submission now or schedule it; once, however many editors press at once."""
    model, pk = _submission(request)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was published. {_problems(form)}")
        return redirect("review")
    try:
        item = workflow.approve(model, pk, request.user, form.cleaned_data["publish_at"])
    except workflow.NotInReview:
        messages.info(request, "That item is no longer waiting: someone got there first.")
        return redirect("review")
    if item.status == Status.SCHEDULED:
        wake_at(item)
        when = timezone.localtime(item.publish_at)
        messages.success(
            request, f"“{item.title}” will be published on {when:%-d %B %Y at %H:%M} (UK time)."
        )
    else:
        messages.success(request, f"Published “{item.title}”: it is now on the site.")
    return redirect("review")


@editor_required
@require_POST
def unschedule(request: HttpRequest) -> HttpResponse:
    model, pk = _submission(request)
    try:
        item = workflow.unschedule(model, pk, request.user)
    except workflow.NotInReview:
        messages.info(request, "That item is no longer scheduled.")
        return redirect("review")
    messages.success(request, f"“{item.title}” is no longer scheduled: it is back in review.")
    return redirect("review")


@editor_required
@require_POST
def mark_reviewed(request: HttpRequest) -> HttpResponse:
    """An editor checked a published item: it is reviewed today, next due in two years or
    on the date they chose."""
    model, pk = _submission(request)
    form = ReviewByForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was changed. {_problems(form)}")
        return redirect("review")
    try:
        item = workflow.mark_reviewed(model, pk, request.user, form.cleaned_data["review_by"])
    except workflow.NotInReview:
        raise Http404("No such published item.") from None
    messages.success(
        request, f"Marked “{item.title}” as reviewed; next review by {item.review_by:%-d %B %Y}."
    )
    return redirect("review")


# The order "My work" lists each status in, and what it calls them.
MY_WORK = [
    (Status.CHANGES_REQUESTED, "Changes requested"),
    (Status.DRAFT, "Drafts"),
    (Status.IN_REVIEW, "In review"),
    (Status.SCHEDULED, "Scheduled"),
    (Status.PUBLISHED, "Published"),
]


@writer_required
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    """Everything the signed-in person wrote, of every type, by where it stands."""
    mine = [
        (kind_label(kind), item)
        for kind, model in REVIEWABLE.items()
        for item in model.objects.filter(author=request.user).order_by("-updated_at")[:200]
    ]
    groups = [
        (label, [(kind, item) for kind, item in mine if item.status == status])
        for status, label in MY_WORK
    ]
    due = [(kind, item) for kind, item in mine if item.review_due]
    groups.insert(1, ("Due for review", sorted(due, key=lambda row: row[1].review_by)))
    return render(request, "review/my_work.html", {"groups": groups})
