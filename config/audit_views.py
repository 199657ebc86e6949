"""The audit log page for administrators: newest first, 50 to a page, filtered by what
happened and by whom."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.models import AuditEntry
from practice.permissions import administrator_required
from practice.plaintext import PlainTextMixin

PER_PAGE = 50


class AuditFilterForm(PlainTextMixin, forms.Form):
    action = forms.ChoiceField(
        label="What happened",
        choices=[("", "Anything")] + AuditEntry.Action.choices,
        required=False,
    )
    person = forms.CharField(
        label="Who (username)",
        max_length=AuditEntry._meta.get_field("actor_label").max_length,
        required=False,
        help_text="What they did, and failed sign-ins that tried their username.",
    )

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if not self.is_valid():
            return entries.none()
        if action := self.cleaned_data["action"]:
            entries = entries.filter(action=action)
        if person := self.cleaned_data["person"].strip():
            entries = entries.filter(
                Q(actor_label__iexact=person)
                | Q(action=AuditEntry.Action.SIGN_IN_FAILED, detail__iexact=person)
            )
        return entries


@administrator_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    entries = form.filter(AuditEntry.objects.all())
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    filtered = form.is_valid() and any(form.cleaned_data.values())
    return render(request, "audit/log.html", {"form": form, "page_obj": page, "filtered": filtered})
