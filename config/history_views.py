"""Staff pages: an item's revision history, and restoring an earlier version as a draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from reversion.models import Version

from config import roles
from config.scheduling import REVIEWABLE
from practice import history


def _item_or_404(user, kind: str, pk: int):
    model = REVIEWABLE.get(kind)
    if model is None:
        raise Http404("No such kind of item.")
    item = get_object_or_404(model, pk=pk)
    if not (roles.is_editor(user) or (roles.can_write(user) and item.author_id == user.pk)):
        raise Http404("No such item.")
    return item


@login_required
def item_history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = _item_or_404(request.user, kind, pk)
    entries = history.item_history(item)
    return render(
        request,
        "history/item_history.html",
        {
            "item": item,
            "kind": kind,
            "entries": entries,
            "since_published": history.since_published(entries, item),
            "can_restore": roles.can_edit(request.user, item),
        },
    )


@login_required
@require_POST
def restore(request: HttpRequest, kind: str, pk: int, version_id: int) -> HttpResponse:
    item = _item_or_404(request.user, kind, pk)
    if not roles.can_edit(request.user, item):
        raise Http404("No such item.")
    version = get_object_or_404(
        Version.objects.get_for_object(item).select_related("revision"), pk=version_id
    )
    history.restore(item=item, version=version, user=request.user)
    messages.success(
        request,
        "Restored as a draft: it is not public until an editor publishes it.",
    )
    return redirect("item_history", kind=kind, pk=item.pk)
