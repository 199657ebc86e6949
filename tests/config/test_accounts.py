"""People and accounts (config/accounts/): invitations, password reset, roles and
deactivation. Administrators only on /people/, mail only from the task worker, and a plain
page for every link that no longer works."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config import roles, signals
from config.accounts.mail import RESET_MAIL_GAP
from config.models import AuditEntry
from practice.plaintext import ONE_LINE_MESSAGE
from tests.conftest import make_person as user_in_role
from tests.conftest import make_writeup
from tests.conftest import signed_in as client_for

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a new staple of mine"


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    # The worker is not the point of most tests; those where it is use the database backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def heard():
    """What the audit log would hear: (signal name, keyword arguments) in order."""
    names = [
        "invitation_sent",
        "invitation_accepted",
        "account_deactivated",
        "account_reactivated",
        "password_reset_done",
    ]
    events: list[tuple[str, dict]] = []
    receivers = {}
    for name in names:

        def receiver(sender, _name=name, **kwargs):
            assert sender is User
            kwargs.pop("signal")
            events.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, dispatch_uid=f"test-{name}")
    yield events
    for name in names:
        getattr(signals, name).disconnect(dispatch_uid=f"test-{name}")


def make_person(username: str, role: str | None, **fields):
    fields.setdefault("email", f"{username}@example.org")
    fields.setdefault("first_name", username.capitalize())
    if role == roles.ADMINISTRATOR:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
    return user_in_role(username, role, password=PASSWORD, **fields)


@pytest.fixture
def admin_user():
    return make_person("ada", roles.ADMINISTRATOR)


@pytest.fixture
def admin(admin_user) -> Client:
    return client_for(admin_user)


def sign_in(username: str, password: str):
    return Client().post("/sign-in/", {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def link_in(message, fragment: str) -> str:
    for url in re.findall(r"https?://\S+", message.body):
        if fragment in url:
            return url
    raise AssertionError(f"No link with {fragment!r} in:\n{message.body}")


def path_of(url: str) -> str:
    assert url.startswith(settings.SITE_URL)
    return url[len(settings.SITE_URL) :]


def invite(client: Client, email="new.person@example.org", role=roles.EDITOR, name=""):
    return client.post("/people/", {"email": email, "role": role, "name": name})


def invitation_path(client: Client, **kwargs) -> str:
    mail.outbox.clear()
    response = invite(client, **kwargs)
    assert response.status_code == 302, response.content.decode()
    [message] = mail.outbox
    return path_of(link_in(message, "/sign-in/invitation/"))


def accept(client: Client, path: str, name="Nia Jones", password=NEW_PASSWORD):
    return client.post(path, {"name": name, "new_password1": password, "new_password2": password})


def assert_link_problem(response, *words: str) -> None:
    assert response.status_code == 400
    assert "accounts/link_problem.html" in [t.name for t in response.templates]
    page = response.content.decode()
    for text in words:
        assert text in page
    assert "Traceback" not in page


# --- Invitations ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_invitation_mail_leaves_from_the_worker_not_the_request(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    admin = client_for(make_person("ada", roles.ADMINISTRATOR))

    response = invite(admin, email="Nia.Jones@Example.org", role=roles.CONTRIBUTOR, name="Nia")
    assert response.status_code == 302
    assert mail.outbox == []  # not inside the request
    invitee = User.objects.get(email="Nia.Jones@example.org")
    assert not invitee.is_active and not invitee.has_usable_password()
    assert [g.name for g in invitee.groups.all()] == [roles.CONTRIBUTOR]
    assert invitee.username == "nia.jones@example.org"
    # The queue holds the account's id, never a working link.
    [queued] = DBTaskResult.objects.all()
    assert "/sign-in/invitation/" not in str(queued.args_kwargs)

    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    [message] = mail.outbox
    assert message.to == ["Nia.Jones@example.org"]
    assert message.subject == "You are invited to Wheelhouse"
    assert "Ada has invited you to Wheelhouse as a contributor" in message.body
    assert "works for 7 days" in message.body
    assert "username nia.jones@example.org" in message.body
    assert link_in(message, "/sign-in/invitation/") in message.alternatives[0][0]


def test_accepting_an_invitation_activates_signs_in_and_keeps_the_role(admin, heard):
    path = invitation_path(admin, role=roles.EDITOR, name="Nia")
    invitee = User.objects.get(email="new.person@example.org")
    assert heard[0][0] == "invitation_sent"
    assert heard[0][1]["user"] == invitee and heard[0][1]["by"].username == "ada"
    assert heard[0][1]["request"] is not None

    browser = Client()
    page = browser.get(path)
    assert page.status_code == 200
    assert "Accept your invitation" in page.content.decode()
    assert "new.person@example.org" in page.content.decode()  # their username
    assert 'value="Nia"' in page.content.decode()

    response = accept(browser, path, name="Nia Jones")
    assert response.status_code == 302 and response.url == "/my-work/"
    invitee.refresh_from_db()
    assert invitee.is_active and invitee.check_password(NEW_PASSWORD)
    assert invitee.get_full_name() == "Nia Jones"
    assert [g.name for g in invitee.groups.all()] == [roles.EDITOR]
    welcome = browser.get("/my-work/")
    assert welcome.status_code == 200 and welcome.wsgi_request.user == invitee
    assert "Welcome, Nia Jones" in welcome.content.decode()
    assert heard[-1][0] == "invitation_accepted" and heard[-1][1]["user"] == invitee
    assert signed_in(sign_in(invitee.username, NEW_PASSWORD))


def test_an_invitation_link_works_once(admin):
    path = invitation_path(admin)
    accept(Client(), path)
    assert_link_problem(Client().get(path), "already been used", "sign in")
    response = accept(Client(), path, password="another fine password")
    assert_link_problem(response, "already been used")
    assert User.objects.get(email="new.person@example.org").check_password(NEW_PASSWORD)


def test_a_tampered_invitation_link_gives_a_plain_page(admin):
    path = invitation_path(admin)
    uid, token = path.strip("/").split("/")[-2:]
    changed = token[:-1] + ("a" if token[-1] != "a" else "b")
    for bad in (
        path.replace(token, changed),
        path.replace(token, "nonsense"),
        path.replace(token, "zzzzzzzzzzzzz-0"),
        path.replace(uid, "Zm9v"),  # "foo"
        path.replace(uid, "!!"),
        path.replace(uid, "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"),  # a huge number
    ):
        assert_link_problem(Client().get(bad), "This link does not work", "new invitation")
    assert not User.objects.get(email="new.person@example.org").is_active


def test_an_invitation_link_lasts_seven_days():
    admin = client_for(make_person("ada", roles.ADMINISTRATOR))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        path = invitation_path(admin)
    with time_machine.travel(start + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert Client().get(path).status_code == 200
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        assert_link_problem(Client().get(path), "This link has expired", "7 days")
        assert_link_problem(accept(Client(), path), "This link has expired")
    assert not User.objects.get(email="new.person@example.org").is_active


def test_inviting_again_sends_a_fresh_link_and_ends_the_old_one(admin, admin_user):
    old = invitation_path(admin, role=roles.CONTRIBUTOR, name="Nia")
    new = invitation_path(admin, role=roles.EDITOR)
    assert old != new
    [invitee] = User.objects.filter(email="new.person@example.org")
    assert [g.name for g in invitee.groups.all()] == [roles.EDITOR]
    assert invitee.first_name == "Nia"  # kept when the new invitation gives no name
    assert_link_problem(Client().get(old), "replaced by a newer invitation")

    # The people page's button does the same.
    mail.outbox.clear()
    response = admin.post(f"/people/{invitee.pk}/invite-again/")
    assert response.status_code == 302
    [message] = mail.outbox
    assert_link_problem(Client().get(new), "This link does not work")
    assert Client().get(path_of(link_in(message, "/sign-in/invitation/"))).status_code == 200


def test_an_invitation_can_be_cancelled_until_it_is_accepted(admin):
    path = invitation_path(admin, name="Nia")
    invitee = User.objects.get(email="new.person@example.org")
    page = admin.get("/people/").content.decode()
    assert f'action="/people/{invitee.pk}/cancel-invitation/"' in page
    response = admin.post(f"/people/{invitee.pk}/cancel-invitation/", follow=True)
    assert "The invitation to Nia is cancelled: its link no longer works." in (
        response.content.decode()
    )
    assert not User.objects.filter(pk=invitee.pk).exists()
    assert_link_problem(Client().get(path))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETED).exists()

    # Once accepted, it is an account: deactivating it is the way, and nothing is deleted.
    accept(Client(), invitation_path(admin))
    accepted = User.objects.get(email="new.person@example.org")
    response = admin.post(f"/people/{accepted.pk}/cancel-invitation/", follow=True)
    assert "already been accepted: deactivate the account instead" in response.content.decode()
    assert User.objects.filter(pk=accepted.pk, is_active=True).exists()


def test_an_address_with_an_account_cannot_be_invited(admin):
    make_person("nia", roles.CONTRIBUTOR, email="nia@example.org")
    mail.outbox.clear()
    response = invite(admin, email="NIA@example.org")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "There is already an account for this email address" in page
    assert mail.outbox == []
    assert User.objects.filter(email__iexact="nia@example.org").count() == 1

    User.objects.filter(username="nia").update(is_active=False)
    response = invite(admin, email="nia@example.org")
    assert "belongs to a deactivated account: reactivate it" in response.content.decode()
    assert mail.outbox == []


def test_usernames_from_emails_stay_unique(admin):
    make_person("nia@example.org", roles.CONTRIBUTOR, email="other@example.org")
    invite(admin, email="nia@example.org")
    assert User.objects.get(email="nia@example.org").username == "nia-2"


def test_the_invitation_form_says_what_is_missing(admin):
    response = admin.post("/people/", {"email": "", "name": ""})
    page = response.content.decode()
    assert "Enter an email address." in page
    assert "Choose a role." in page
    assert 'href="#id_role_0"' in page  # the error summary reaches the first radio
    assert not User.objects.filter(is_active=False).exists()


def test_line_breaks_in_a_name_are_refused(admin):
    response = invite(admin, name="Nia\r\nBcc: everyone@example.org")
    assert ONE_LINE_MESSAGE in response.content.decode()
    assert not User.objects.filter(email="new.person@example.org").exists()
    response = invite(admin, name="x" * 151)
    assert "Keep this to at most 150 characters (it has 151)." in response.content.decode()

    path = invitation_path(admin)
    response = accept(Client(), path, name="Nia\nJones")
    assert response.status_code == 200
    assert ONE_LINE_MESSAGE in response.content.decode()
    assert not User.objects.get(email="new.person@example.org").is_active


def test_accepting_checks_the_password_rules(admin):
    path = invitation_path(admin)
    page = accept(Client(), path, password="12345678").content.decode()
    assert "This password is too common." in page
    page = Client().post(
        path, {"name": "Nia", "new_password1": NEW_PASSWORD, "new_password2": "different"}
    )
    assert "didn’t match" in page.content.decode()
    page = Client().post(path, {"name": "", "new_password1": "", "new_password2": ""})
    text = page.content.decode()
    assert "Enter your name." in text and "Create a password." in text
    assert not User.objects.get(email="new.person@example.org").is_active


# --- Password reset -----------------------------------------------------------------------


def reset_mail_for(email: str):
    mail.outbox.clear()
    response = Client().post("/sign-in/reset/", {"email": email})
    assert response.status_code == 302 and response.url == "/sign-in/reset/sent/"
    return mail.outbox


def test_the_sign_in_page_links_to_password_reset():
    page = Client().get("/sign-in/").content.decode()
    assert 'href="/sign-in/reset/"' in page
    assert Client().get("/sign-in/reset/").status_code == 200


def test_password_reset_works_once_end_to_end(heard):
    person = make_person("nia", roles.CONTRIBUTOR)
    [message] = reset_mail_for("NIA@example.org")
    assert message.to == ["nia@example.org"]
    assert message.subject == "Reset your Wheelhouse password"
    assert "works for 3 days" in message.body
    path = path_of(link_in(message, "/sign-in/reset/"))

    browser = Client()
    response = browser.get(path)
    # Django moves the token out of the address before showing the form.
    assert response.status_code == 302 and response.url.endswith("/set-password/")
    form = browser.get(response.url)
    assert "Choose a new password" in form.content.decode()
    done = browser.post(
        response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.url == "/sign-in/reset/complete/"
    assert "Your password is changed" in browser.get(done.url).content.decode()
    assert heard == [("password_reset_done", {"user": person, "request": done.wsgi_request})]

    assert signed_in(sign_in("nia", NEW_PASSWORD))
    assert not signed_in(sign_in("nia", PASSWORD))
    # The link is spent: in a fresh browser and in the one that used it.
    assert_link_problem(Client().get(path), "This link does not work", "new reset link")
    assert_link_problem(browser.get(path), "This link does not work")
    assert_link_problem(browser.get(response.url), "This link does not work")


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing():
    make_person("nia", roles.CONTRIBUTOR)
    known = Client().post("/sign-in/reset/", {"email": "nia@example.org"}, follow=True)
    mail.outbox.clear()
    unknown = Client().post("/sign-in/reset/", {"email": "nobody@example.org"}, follow=True)
    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert "If that address belongs to a staff account" in unknown.content.decode()


def test_no_reset_for_deactivated_accounts_or_pending_invitations(admin):
    make_person("nia", roles.CONTRIBUTOR, is_active=False)
    assert reset_mail_for("nia@example.org") == []
    invite(admin, email="pending@example.org")
    assert reset_mail_for("pending@example.org") == []


def test_deactivating_ends_outstanding_reset_links(admin):
    person = make_person("nia", roles.CONTRIBUTOR)
    [message] = reset_mail_for("nia@example.org")
    admin.post(f"/people/{person.pk}/deactivate/")
    assert_link_problem(Client().get(path_of(link_in(message, "/sign-in/reset/"))))


def test_a_reset_link_expires():
    make_person("nia", roles.CONTRIBUTOR)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        [message] = reset_mail_for("nia@example.org")
    path = path_of(link_in(message, "/sign-in/reset/"))
    later = start + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        assert_link_problem(Client().get(path), "This link has expired", "new reset link")


def test_a_tampered_reset_link_gives_a_plain_page():
    make_person("nia", roles.CONTRIBUTOR)
    [message] = reset_mail_for("nia@example.org")
    path = path_of(link_in(message, "/sign-in/reset/"))
    assert_link_problem(Client().get(path[:-3] + "xx/"), "This link does not work")
    assert_link_problem(Client().get("/sign-in/reset/Zm9v/set-password/"))
    assert_link_problem(Client().get("/sign-in/reset/!!/abc-def/"))


# --- Mail through the queue, retried ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_relay_outage_retries_the_mail_later(settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_person("nia", roles.CONTRIBUTOR)

    def relay_down(**kwargs):
        raise smtplib.SMTPServerDisconnected("relay went away")

    monkeypatch.setattr("config.accounts.mail.email_send", relay_down)
    Client().post("/sign-in/reset/", {"email": "nia@example.org"})
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now()
    assert retry.args_kwargs["args"][-1] == 1  # the first retry


# --- Roles and deactivation -----------------------------------------------------------------


def test_the_people_page_lists_staff_accounts(admin, admin_user):
    make_person("nia", roles.CONTRIBUTOR, last_name="Jones")
    make_person("ed", roles.EDITOR, is_active=False)
    User.objects.create_user(username="nobody", email="nobody@example.org")  # no role
    invite(admin, email="pending@example.org", role=roles.EDITOR)
    User.objects.filter(username="ada").update(last_login=timezone.now())

    page = admin.get("/people/").content.decode()
    assert "Nia Jones" in page and "nia@example.org" in page
    assert "Invited, not accepted yet (1)" in page and "pending@example.org" in page
    assert "Active (2)" in page and "Deactivated (1)" in page
    assert "Ada (you)" in page and "Never" in page
    assert "nobody@example.org" not in page
    assert 'href="/people/"' in page  # the header link


def test_only_administrators_see_the_people_link():
    for role in (roles.CONTRIBUTOR, roles.EDITOR):
        page = client_for(make_person(role.lower(), role)).get("/my-work/").content.decode()
        assert 'href="/people/"' not in page


def test_changing_a_role_replaces_the_groups(admin):
    person = make_person("nia", roles.CONTRIBUTOR)
    person.groups.add(Group.objects.get_or_create(name=roles.EDITOR)[0])

    def role_is(role: str) -> None:
        assert admin.post(f"/people/{person.pk}/role/", {"role": role}).status_code == 302
        person.refresh_from_db()
        assert [g.name for g in person.groups.all()] == [role]
        assert roles.roles(User.objects.get(pk=person.pk)) == {role}

    role_is(roles.EDITOR)
    role_is(roles.ADMINISTRATOR)
    assert person.is_staff and person.is_superuser
    role_is(roles.CONTRIBUTOR)
    assert not person.is_staff and not person.is_superuser
    assert "Nia is now a contributor." in admin.get("/people/").content.decode()

    admin.post(f"/people/{person.pk}/role/", {"role": "Superhero"})
    assert [g.name for g in person.groups.all()] == [roles.CONTRIBUTOR]


def test_an_administrator_cannot_demote_or_deactivate_themselves(admin, admin_user):
    response = admin.post(f"/people/{admin_user.pk}/role/", {"role": roles.EDITOR}, follow=True)
    assert "You cannot remove your own Administrator role" in response.content.decode()
    response = admin.post(f"/people/{admin_user.pk}/deactivate/", follow=True)
    assert "You cannot deactivate your own account" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_superuser
    assert [g.name for g in admin_user.groups.all()] == [roles.ADMINISTRATOR]
    assert admin.get("/people/").status_code == 200


def test_a_deactivated_account_cannot_sign_in_and_keeps_its_work(admin, admin_user, heard):
    person = make_person("nia", roles.CONTRIBUTOR)
    their_session = client_for(person)
    writeup = make_writeup(title="Walking groups", author=person)

    response = admin.post(f"/people/{person.pk}/deactivate/", follow=True)
    assert "Nia can no longer sign in" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_active
    assert User.objects.filter(pk=person.pk).exists()
    writeup.refresh_from_db()
    assert writeup.author == person
    name, sent = heard[-1]
    assert name == "account_deactivated"
    assert sent["user"] == person and sent["by"] == admin_user and sent["request"] is not None
    assert not signed_in(sign_in("nia", PASSWORD))
    # Their open session ends with their next request.
    assert their_session.get("/my-work/").status_code == 302

    admin.post(f"/people/{person.pk}/reactivate/")
    assert heard[-1][0] == "account_reactivated" and heard[-1][1]["by"] == admin_user
    assert signed_in(sign_in("nia", PASSWORD))


def test_people_pages_answer_unknown_people_and_methods(admin):
    assert admin.post("/people/999999/deactivate/").status_code == 404
    assert admin.get("/people/1/deactivate/").status_code == 405


def test_asking_again_and_again_sends_one_reset_mail_per_gap(admin):
    """Nobody can fill a colleague's inbox from the reset page: one mail per account per
    RESET_MAIL_GAP, whatever is typed, and the reply never says which."""
    make_person("nia", roles.CONTRIBUTOR)
    [first] = reset_mail_for("nia@example.org")
    assert reset_mail_for("NIA@example.org") == []
    page = Client().get("/sign-in/reset/sent/").content.decode()
    assert "one link every 15 minutes at most" in page
    # The link sent first still works, and the audit log shows the one sent.
    assert Client().get(path_of(link_in(first, "/sign-in/reset/"))).status_code == 302
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.RESET_LINK_SENT)
    assert [entry.detail for entry in entries] == ["nia@example.org"]
    # After the gap, another.
    entries.update(when=timezone.now() - RESET_MAIL_GAP - timedelta(seconds=1))
    assert len(reset_mail_for("nia@example.org")) == 1
