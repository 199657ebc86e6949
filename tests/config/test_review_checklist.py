"""The review checklist is data: seeded with NICE-like criteria, changed by administrators in
the admin, shown beside every submission on /review/."""

from __future__ import annotations

import pytest
from django.test import Client

from config import roles
from practice.models import ReviewCriterion
from practice.publishing import Status
from tests.conftest import make_person, make_writeup, signed_in

pytestmark = pytest.mark.django_db


def _client(role: str, **flags) -> Client:
    return signed_in(make_person(role.lower(), role, **flags))


def test_the_seeded_checklist_is_shown_beside_each_submission():
    make_writeup(title="Walking groups", status=Status.IN_REVIEW)
    page = _client(roles.EDITOR).get("/review/").content.decode()
    for text in (
        "The learning is clear and others could reuse it",
        "Plain English",
        "No personal or patient-identifiable data",
        "Conflicts of interest and sponsorship declared",
    ):
        assert text in page


def test_an_administrator_changes_the_checklist_and_editors_see_it():
    make_writeup(title="Walking groups", status=Status.IN_REVIEW)
    admin = _client(roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    response = admin.post(
        "/admin/practice/reviewcriterion/add/",
        {"text": "Links to the <b>team</b> work", "hint": "", "position": "8", "active": "on"},
    )
    assert response.status_code == 302
    plain = ReviewCriterion.objects.get(text="Plain English")
    plain.active = False
    plain.save()
    page = _client(roles.EDITOR).get("/review/").content.decode()
    assert "Links to the &lt;b&gt;team&lt;/b&gt; work" in page
    assert "Plain English" not in page
    # Editors cannot change it.
    editor = _client(roles.CONTRIBUTOR)
    assert editor.get("/admin/practice/reviewcriterion/").status_code == 302
