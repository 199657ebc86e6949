"""Staff pages: counts, a preview of any subscriber's digest, CSV export and run history."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from django.utils import timezone

from practice.publishing import Status
from stakeholders.models import Role, SubscriberStatus
from stakeholders.tasks import digest_start
from tests.conftest import make_writeup
from tests.stakeholders.conftest import make_subscriber

pytestmark = pytest.mark.django_db


def test_staff_pages_refuse_everyone_else(client, django_user_model):
    for path in ["/updates/staff/", "/updates/staff/preview/", "/updates/staff/subscribers.csv"]:
        assert client.get(path).status_code == 302
    user = django_user_model.objects.create_user(username="reader", password="x")
    client.force_login(user)
    assert client.get("/updates/staff/").status_code == 403


def test_counts_by_status_role_and_topic(staff_client):
    make_subscriber(topics=("carers", "dementia"), role=Role.COMMISSIONER)
    make_subscriber(topics=("carers",), role=Role.COMMISSIONER)
    make_subscriber(all_topics=True, role=Role.RESEARCHER)
    make_subscriber(topics=("carers",), status=SubscriberStatus.PENDING)
    page = staff_client.get("/updates/staff/").content.decode()
    assert '<td>Confirmed</td><td class="num">3</td>' in page
    assert '<td>Waiting for confirmation</td><td class="num">1</td>' in page
    assert '<td>Commissioner</td><td class="num">2</td>' in page
    assert '<td>carers</td><td class="num">2</td>' in page
    assert '<td>Everything</td><td class="num">1</td>' in page


def test_run_history_shows_sent_skipped_and_failed(staff_client, smtp):
    make_subscriber(all_topics=True)
    make_subscriber(topics=("nothing-here",))
    refused = make_subscriber(all_topics=True)
    smtp.refuse.add(refused.email)
    make_writeup()
    run = digest_start()
    run.deliveries.filter(subscriber=refused).update(status="failed", finished_at=timezone.now())
    page = staff_client.get("/updates/staff/").content.decode()
    row = page.split(f"<td>{run.week:%-d %B %Y}</td>", 1)[1].split("</tr>", 1)[0]
    assert [c.split(">")[-1] for c in row.split("</td>")[1:4]] == ["1", "1", "1"]


def test_preview_renders_the_digest_a_subscriber_would_get(staff_client):
    person = make_subscriber(topics=("carers",))
    make_writeup(title="Carers café", tags=("carers",))
    make_writeup(title="Housing fix", tags=("housing",))
    make_writeup(title="Unpublished carers", tags=("carers",), status=Status.DRAFT)
    page = staff_client.get("/updates/staff/preview/", {"email": person.email}).content.decode()
    assert "Subject: 1 new on Wheelhouse this week: Carers café" in page
    assert "Housing fix" not in page and "Unpublished carers" not in page
    # The email's HTML is framed from its own sandboxed response.
    frame = staff_client.get("/updates/staff/preview/email.html", {"email": person.email})
    assert frame.content.decode().startswith("<!DOCTYPE html>")
    assert "Carers café" in frame.content.decode()
    assert f'src="/updates/staff/preview/email.html?email={quote(person.email)}"' in page
    nothing = make_subscriber(topics=("housing-benefit",))
    page = staff_client.get("/updates/staff/preview/", {"email": nothing.email}).content.decode()
    assert "has nothing new this week" in page


def test_csv_export_lists_subscribers_and_defuses_formulas(staff_client):
    make_subscriber(email="a@example.org", name="=HYPERLINK(1)", topics=("carers",))
    response = staff_client.get("/updates/staff/subscribers.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["email"] == "a@example.org"
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["topics"] == "carers"


@pytest.mark.parametrize("path", ["/updates/staff/", "/updates/"])
def test_pages_keep_a_constant_number_of_queries(staff_client, django_assert_max_num_queries, path):
    for size in (3, 30):
        for n in range(size):
            make_subscriber(topics=(f"topic-{n}",), created_at=timezone.now())
            make_writeup(tags=(f"topic-{n}",))
        with django_assert_max_num_queries(14):
            assert staff_client.get(path).status_code == 200


def test_preferences_page_keeps_a_constant_number_of_queries(client, django_assert_max_num_queries):
    from stakeholders.tokens import Purpose, make_token

    person = make_subscriber(topics=("topic-0",))
    token = make_token(person, Purpose.MANAGE)
    for size in (3, 30):
        for n in range(size):
            make_writeup(tags=(f"topic-{n}",))
        with django_assert_max_num_queries(8):
            assert client.get(f"/updates/preferences/{token}/").status_code == 200


def test_preview_escapes_what_a_subscriber_typed(staff_client):
    """Regression: a sign-up named <script> ran script in the staff digest preview."""
    person = make_subscriber(name="<script>alert(1)</script>", topics=("carers",))
    make_writeup(title="<img src=x onerror=alert(2)>", organisation="<b>Org</b>", tags=("carers",))
    page = staff_client.get("/updates/staff/preview/", {"email": person.email}).content.decode()
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;," in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Org" not in page


def test_preview_html_is_sandboxed_and_escaped(staff_client):
    person = make_subscriber(name="<script>alert(1)</script>", topics=("carers",))
    make_writeup(title="<img src=x onerror=alert(2)>", tags=("carers",))
    response = staff_client.get("/updates/staff/preview/email.html", {"email": person.email})
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "script-src" not in policy
    assert "default-src 'none'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    nobody = staff_client.get("/updates/staff/preview/email.html", {"email": "no@example.org"})
    assert nobody.status_code == 404
