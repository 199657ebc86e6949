"""The audit log (config/audit.py, /audit/): sign-ins and failures, role changes, invitations
and accounts, publishing, deletions and synonym edits, each recorded once with who, what and
from where, and shown to administrators only."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory

from config import audit, roles, signals
from config.models import AuditEntry
from events.models import Event
from practice.models import WriteUp
from search.models import Synonym
from tests.conftest import make_person, make_writeup, signed_in
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
PASSWORD = "correct horse battery"
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def make_user(username: str, role: str | None = None, **fields):
    return make_person(username, role, password=PASSWORD, **fields)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def stored_text() -> str:
    """Every text column of every entry, to look for what must never be stored."""
    return "\n".join(
        f"{e.actor_label}|{e.target}|{e.detail}|{e.ip_address}" for e in AuditEntry.objects.all()
    )


def sign_in(username: str, password: str, ip: str = "192.0.2.7"):
    return Client().post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- Signing in and out ---------------------------------------------------------------------


def test_a_sign_in_is_recorded_with_its_address_and_no_password():
    asha = make_user("asha")
    response = sign_in("asha", PASSWORD)
    assert response.status_code == 302

    [entry] = entries(Action.SIGN_IN)
    assert (entry.actor, entry.actor_label) == (asha, "asha")
    assert entry.target == f"Account “asha” (#{asha.pk})"
    assert entry.ip_address == "192.0.2.7"
    assert PASSWORD not in stored_text()


def test_a_failed_sign_in_keeps_the_username_tried_but_never_the_password():
    make_user("asha")
    response = sign_in("asha", "not my password, hunter2")
    assert response.status_code == 200

    [entry] = entries(Action.SIGN_IN_FAILED)
    assert entry.actor is None and entry.actor_label == ""
    assert entry.detail == "asha"
    assert entry.target == "Wrong username or password"
    assert entry.ip_address == "192.0.2.7"
    assert "hunter2" not in stored_text()
    assert not entries(Action.SIGN_IN)


def test_tries_while_locked_out_are_recorded_as_locked_out():
    """django-axes's backend refuses before any password is checked; Django still says the
    sign-in failed, so the log hears of it."""
    make_user("asha")
    for _ in range(5):
        sign_in("asha", "wrong")
    response = sign_in("asha", PASSWORD)
    assert response.status_code == 429

    failures = entries(Action.SIGN_IN_FAILED)
    assert len(failures) == 6
    assert [e.target for e in failures[:4]] == ["Wrong username or password"] * 4
    assert failures[-1].target == "Locked out" and failures[-1].detail == "asha"
    assert not entries(Action.SIGN_IN)
    assert PASSWORD not in stored_text()


HOSTILE_USERNAME = "evil\r\nSet-Cookie: x\x1b[31m\u2028name\t"


def test_control_characters_in_a_username_tried_never_reach_the_database():
    # The sign-in page refuses a username with a line break before anything is checked...
    response = sign_in(HOSTILE_USERNAME, "wrong")
    assert "Use a single line of text" in response.content.decode()
    assert not CONTROLS.search(stored_text())
    # ...and a failure from any other path that authenticates is made one line.
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    assert authenticate(request, username=HOSTILE_USERNAME, password="wrong") is None

    [entry] = entries(Action.SIGN_IN_FAILED)
    assert entry.detail == "evil Set-Cookie: x[31m name"
    assert not CONTROLS.search(stored_text())


def test_record_makes_every_field_one_line_and_cuts_it_to_the_column():
    entry = audit.record(Action.DELETED, target="A\r\nB\x00C" + "x" * 400, detail="y\n" * 900)
    entry.refresh_from_db()
    assert entry.target.startswith("A BC") and len(entry.target) == 300
    assert entry.target.endswith("…")
    assert len(entry.detail) == 1000 and not CONTROLS.search(entry.detail)


def test_signing_out_is_recorded():
    asha = make_user("asha")
    client = signed_in(asha)
    client.post("/sign-out/", REMOTE_ADDR="192.0.2.8")

    [entry] = entries(Action.SIGN_OUT)
    assert entry.actor == asha and entry.ip_address == "192.0.2.8"


# --- Roles ----------------------------------------------------------------------------------


def test_role_changes_through_the_groups_are_recorded_before_and_after():
    asha = make_user("asha")
    contributor = Group.objects.get_or_create(name=roles.CONTRIBUTOR)[0]
    editor = Group.objects.get_or_create(name=roles.EDITOR)[0]
    administrator = Group.objects.get_or_create(name=roles.ADMINISTRATOR)[0]

    asha.groups.add(contributor)
    # A replacement is one change of role, not a removal and an addition.
    with transaction.atomic():
        asha.groups.set([editor, administrator])
    # From the group's side as well.
    editor.user_set.remove(asha)
    administrator.user_set.clear()
    # Groups that are not roles change nobody's role.
    asha.groups.add(Group.objects.create(name="Book club"))

    target = f"Account “asha” (#{asha.pk})"
    assert [(e.target, e.detail) for e in entries(Action.ROLE_CHANGED)] == [
        (target, "No role → Contributor"),
        (target, "Contributor → Editor, Administrator"),
        (target, "Editor, Administrator → Administrator"),
        (target, "Administrator → No role"),
    ]


def test_a_role_change_in_a_request_is_put_to_whoever_made_it():
    admin = make_user("ada", roles.ADMINISTRATOR)
    asha = make_user("asha")
    editor = Group.objects.get_or_create(name=roles.EDITOR)[0]
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.9")
    request.user = admin

    def view(request):
        asha.groups.add(editor)
        return HttpResponse()

    audit.CurrentRequestMiddleware(view)(request)

    [entry] = [e for e in entries(Action.ROLE_CHANGED) if e.target.endswith(f"(#{asha.pk})")]
    assert (entry.actor, entry.detail, entry.ip_address) == (admin, "No role → Editor", "192.0.2.9")


def test_a_role_change_in_the_admin_is_one_entry_by_the_administrator():
    admin = make_user("ada", is_staff=True, is_superuser=True)
    asha = make_user("asha", roles.CONTRIBUTOR)
    editor = Group.objects.get_or_create(name=roles.EDITOR)[0]
    response = signed_in(admin).post(
        f"/admin/auth/user/{asha.pk}/change/",
        {
            "username": "asha",
            "is_active": "on",
            "groups": [editor.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    [entry] = [e for e in entries(Action.ROLE_CHANGED) if e.target.endswith(f"(#{asha.pk})")][1:]
    assert (entry.actor, entry.detail) == (admin, "Contributor → Editor")


def test_becoming_or_ceasing_to_be_a_superuser_is_a_role_change():
    asha = make_user("asha")
    asha.is_superuser = True
    asha.save()
    asha.first_name = "Asha"
    asha.save()
    asha.is_superuser = False
    asha.save(update_fields=["is_superuser"])

    assert [e.detail for e in entries(Action.ROLE_CHANGED)] == [
        "Not superuser → Superuser",
        "Superuser → Not superuser",
    ]


# --- Invitations and accounts -----------------------------------------------------------------


def test_invitations_and_account_changes_are_recorded_from_their_signals():
    admin = make_user("ada", roles.ADMINISTRATOR)
    newcomer = make_user("newcomer", email="new@example.org", is_active=False)
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.4")
    request.user = admin

    signals.invitation_sent.send(sender=None, user=newcomer, by=admin, request=request)
    signals.invitation_accepted.send(sender=None, user=newcomer, request=request)
    signals.account_deactivated.send(sender=None, user=newcomer, by=admin, request=request)
    signals.account_reactivated.send(sender=None, user=newcomer, by=admin, request=request)
    signals.password_reset_done.send(sender=None, user=newcomer, request=request)

    target = f"Account “newcomer” (#{newcomer.pk})"
    rows = [
        (e.action, e.actor_label, e.target, e.ip_address)
        for e in AuditEntry.objects.exclude(action=Action.ROLE_CHANGED).order_by("pk")
    ]
    assert rows == [
        (Action.INVITED, "ada", target, "198.51.100.4"),
        (Action.INVITATION_ACCEPTED, "newcomer", target, "198.51.100.4"),
        (Action.DEACTIVATED, "ada", target, "198.51.100.4"),
        (Action.REACTIVATED, "ada", target, "198.51.100.4"),
        (Action.PASSWORD_RESET, "newcomer", target, "198.51.100.4"),
    ]
    assert entries(Action.INVITED)[0].detail == "new@example.org"


# --- Publishing ------------------------------------------------------------------------------

WRITEUP = {
    "title": "Loneliness cafés",
    "summary": "A café where people who feel alone meet every week.",
    "evidence_level": "2",
}


def test_publishing_and_unpublishing_through_the_editors_form_are_recorded():
    contributor = signed_in(make_user("asha", roles.CONTRIBUTOR))
    editor_user = make_user("ben", roles.EDITOR)
    editor = signed_in(editor_user)

    contributor.post("/practice/new/", {**WRITEUP, "action": "submit"})
    writeup = WriteUp.objects.get()
    assert not entries(Action.PUBLISHED)

    editor.post(f"/practice/{writeup.slug}/edit/", {**WRITEUP, "action": "publish"})
    writeup.refresh_from_db()
    assert writeup.is_published
    [published] = entries(Action.PUBLISHED)
    assert published.actor == editor_user
    assert published.target == f"Write-up “Loneliness cafés” (#{writeup.pk})"
    assert published.detail == "In review → Published"

    editor.post(f"/practice/{writeup.slug}/edit/", {**WRITEUP, "action": "draft"})
    writeup.refresh_from_db()
    assert not writeup.is_published
    [unpublished] = entries(Action.UNPUBLISHED)
    assert unpublished.actor == editor_user
    assert unpublished.target == published.target
    assert unpublished.detail == "Published → Draft"


def test_publishing_other_content_types_is_recorded_too():
    event = make_event(title="Carers’ round table")
    assert entries(Action.PUBLISHED)[0].target == f"Event “Carers’ round table” (#{event.pk})"


# --- Deletions -------------------------------------------------------------------------------


def test_deleting_an_event_in_the_admin_is_recorded():
    admin = make_user("ada", is_staff=True, is_superuser=True)
    event = make_event(title="Round table on loneliness")
    pk = event.pk
    response = signed_in(admin).post(f"/admin/events/event/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Event.objects.filter(pk=pk).exists()

    [entry] = entries(Action.DELETED)
    assert entry.actor == admin
    assert entry.target == f"Event “Round table on loneliness” (#{pk})"


def test_deleting_a_write_up_or_an_account_is_recorded_and_keeps_the_name():
    asha = make_user("asha")
    writeup = make_writeup(title="Walking groups")
    writeup_pk, asha_pk = writeup.pk, asha.pk
    signed_in(asha)  # a sign-in entry by asha
    writeup.delete()
    asha.delete()

    assert [e.target for e in entries(Action.DELETED)] == [
        f"Write-up “Walking groups” (#{writeup_pk})",
        f"Account “asha” (#{asha_pk})",
    ]
    [sign_in_entry] = entries(Action.SIGN_IN)
    assert sign_in_entry.actor is None and sign_in_entry.actor_label == "asha"


# --- Synonyms --------------------------------------------------------------------------------


def test_adding_changing_and_deleting_synonyms_is_recorded():
    synonym = Synonym.objects.create(terms="LD, learning disability", kind=Synonym.Kind.ACRONYM)
    synonym.terms = "LD, learning disability, learning disabilities"
    synonym.save()
    synonym.save()  # nothing changed: nothing to record
    synonym.kind = Synonym.Kind.OTHER
    synonym.save()
    pk = synonym.pk
    synonym.delete()

    rows = [
        (e.action, e.target, e.detail)
        for e in AuditEntry.objects.filter(action__startswith="synonym").order_by("pk")
    ]
    assert rows == [
        (Action.SYNONYM_ADDED, f"Synonyms #{pk}", "LD, learning disability"),
        (
            Action.SYNONYM_CHANGED,
            f"Synonyms #{pk}",
            "LD, learning disability → LD, learning disability, learning disabilities",
        ),
        (
            Action.SYNONYM_CHANGED,
            f"Synonyms #{pk}",
            "LD, learning disability, learning disabilities: "
            "Acronym and expansion → Other equivalent words",
        ),
        (
            Action.SYNONYM_DELETED,
            f"Synonyms #{pk}",
            "LD, learning disability, learning disabilities",
        ),
    ]


# --- The page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "person, expected",
    [
        ("anonymous", 302),
        ("contributor", 403),
        ("editor", 403),
        ("staff in no group", 403),
        ("administrator", 200),
        ("superuser", 200),
    ],
)
def test_only_administrators_see_the_audit_log(person, expected):
    users = {
        "contributor": lambda: make_user("c", roles.CONTRIBUTOR),
        "editor": lambda: make_user("e", roles.EDITOR),
        "staff in no group": lambda: make_user("s", is_staff=True),
        "administrator": lambda: make_user("a", roles.ADMINISTRATOR),
        "superuser": lambda: make_user("su", is_superuser=True),
    }
    client = signed_in(users[person]()) if person in users else Client()
    response = client.get("/audit/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/sign-in/?next=/audit/")
    if person in users:
        home = client.get("/").content.decode()
        assert ('href="/audit/"' in home) == (expected == 200)


@pytest.fixture
def administrator() -> Client:
    return signed_in(make_user("ada", roles.ADMINISTRATOR))


def test_the_log_shows_entries_newest_first_and_filters_by_action_and_person(administrator):
    make_user("asha")
    sign_in("asha", "wrong", ip="203.0.113.5")
    sign_in("asha", PASSWORD, ip="203.0.113.5")
    sign_in("nobody-here", "wrong")
    Synonym.objects.create(terms="A&E, emergency department")

    page = administrator.get("/audit/").content.decode()
    assert "Username tried: asha" in page and "203.0.113.5" in page
    assert "<td>Added synonyms</td>" in page and "A&amp;E, emergency department" in page
    # Newest first.
    assert page.index("<td>Added synonyms</td>") < page.index("Username tried: nobody-here")
    assert page.index("Username tried: nobody-here") < page.index("Username tried: asha")

    failed = administrator.get("/audit/", {"action": "sign_in_failed"}).content.decode()
    assert "Username tried: asha" in failed and "Username tried: nobody-here" in failed
    assert "<td>Added synonyms</td>" not in failed and "<td>Signed in</td>" not in failed

    # A person: what they did, and the failed sign-ins that tried their username.
    asha = administrator.get("/audit/", {"person": "ASHA"}).content.decode()
    assert "Username tried: asha" in asha and "<td>Signed in</td>" in asha
    assert "nobody-here" not in asha and "<td>Added synonyms</td>" not in asha
    assert "2 entries match" in asha

    both = administrator.get("/audit/", {"person": "asha", "action": "sign_in"}).content.decode()
    assert "1 entry matches" in both and "Username tried" not in both

    unknown = administrator.get("/audit/", {"action": "format_disk"})
    assert unknown.status_code == 200
    assert "There is a problem" in unknown.content.decode()


def test_fifty_entries_to_a_page_and_the_filters_kept_across_pages(administrator):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=Action.SYNONYM_ADDED, target=f"Synonyms #{n}") for n in range(120)
    )
    first = administrator.get("/audit/", {"action": "synonym_added"}).content.decode()
    assert first.count("<tr>") == 1 + 50
    assert "page=2" in first and "action=synonym_added" in first
    third = administrator.get("/audit/", {"action": "synonym_added", "page": 3})
    assert third.content.decode().count("<tr>") == 1 + 20


@pytest.mark.parametrize("size", [3, 150])
def test_the_page_costs_the_same_number_of_queries_however_long_the_log(
    administrator, size, django_assert_max_num_queries
):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=Action.DELETED, actor_label="ada", target=f"Event #{n}")
        for n in range(size)
    )
    with django_assert_max_num_queries(6):
        response = administrator.get("/audit/", {"person": "ada"})
    assert response.status_code == 200


def test_nobody_can_add_change_or_delete_entries_in_the_admin():
    admin = make_user("ada", is_staff=True, is_superuser=True)
    client = signed_in(admin)
    entry = AuditEntry.objects.first()
    assert client.get("/admin/config/auditentry/").status_code == 200
    assert client.get("/admin/config/auditentry/add/").status_code == 403
    assert client.get(f"/admin/config/auditentry/{entry.pk}/delete/").status_code == 403
    client.post(f"/admin/config/auditentry/{entry.pk}/change/", {"target": "rewritten"})
    entry.refresh_from_db()
    assert entry.target != "rewritten"
