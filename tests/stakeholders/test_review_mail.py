"""Review mail (stakeholders.mail.review_mail_send): editors hear of a submission, the author
of a request for changes (with the comments) and of the publication; nobody of their own
action; and the mail leaves from the task worker, never inside the request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client

from config import roles
from practice.models import WriteUp

pytestmark = pytest.mark.django_db(transaction=True)


def _person(username: str, role: str) -> Client:
    user = get_user_model().objects.create_user(
        username=username, password="pw", email=f"{username}@example.org", first_name=username
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)
    return client


WRITEUP = {"title": "Walking groups", "summary": "Carers walked.", "evidence_level": "2"}


def _work() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def test_each_step_mails_the_people_concerned(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    asha, ben = _person("asha", roles.CONTRIBUTOR), _person("ben", roles.EDITOR)
    _person("cara", roles.EDITOR)

    asha.post("/practice/new/", {**WRITEUP, "action": "submit"})
    assert mail.outbox == []  # not inside the request
    _work()
    assert sorted(m.to[0] for m in mail.outbox) == ["ben@example.org", "cara@example.org"]
    assert mail.outbox[0].subject == "Waiting for review: Walking groups"
    assert "https://wheelhouse.example/review/" in mail.outbox[0].body

    mail.outbox.clear()
    writeup = WriteUp.objects.get()
    ben.post(
        "/review/changes/",
        {"kind": "writeup", "pk": writeup.pk, "comment": "Say how many <b>carers</b> came."},
    )
    _work()
    [changes] = mail.outbox
    assert changes.to == ["asha@example.org"]
    assert changes.subject == "Changes requested: Walking groups"
    assert "Say how many <b>carers</b> came." in changes.body  # plain text, as typed
    html = changes.alternatives[0][0]
    assert "&lt;b&gt;carers&lt;/b&gt;" in html and "<b>carers</b>" not in html
    assert f"https://wheelhouse.example/practice/{writeup.slug}/edit/" in changes.body

    mail.outbox.clear()
    asha.post(f"/practice/{writeup.slug}/edit/", {**WRITEUP, "action": "submit"})
    ben.post(f"/practice/{writeup.slug}/edit/", {**WRITEUP, "action": "publish"})
    _work()
    # The resubmission reaches both editors; the publication its author.
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("asha@example.org", "Published: Walking groups"),
        ("ben@example.org", "Waiting for review: Walking groups"),
        ("cara@example.org", "Waiting for review: Walking groups"),
    ]


def test_approval_for_later_and_the_scheduled_publication_are_mailed_to_the_author(settings):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from practice import workflow

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    asha, _ = _person("asha", roles.CONTRIBUTOR), _person("ben", roles.EDITOR)
    asha.post("/practice/new/", {**WRITEUP, "action": "submit"})
    writeup = WriteUp.objects.get()
    ben = get_user_model().objects.get(username="ben")
    workflow.approve(WriteUp, writeup.pk, ben, timezone.now() + timedelta(hours=1))
    _work()
    mail.outbox[:] = [m for m in mail.outbox if m.to == ["asha@example.org"]]
    [approved] = mail.outbox
    assert approved.subject == "Approved for later: Walking groups"
    assert "ben approved" in approved.body and "To publish" in approved.body
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        call_command("publish_scheduled", verbosity=0)
        _work()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["asha@example.org"], "Published: Walking groups")
    ]


def test_nobody_is_mailed_of_their_own_action(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ben = _person("ben", roles.EDITOR)
    ben.post("/practice/new/", {**WRITEUP, "action": "submit"})
    _work()
    assert mail.outbox == []
