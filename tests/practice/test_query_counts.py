import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from practice.publishing import Status
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def _make(count: int) -> None:
    # Content types are looked up once per process (Django caches them); a test run alone
    # starts cold, so warm them as every running server is.
    ContentType.objects.get_for_models(*apps.get_app_config("events").get_models())
    for n in range(count):
        status = Status.DRAFT if n % 7 == 0 else Status.PUBLISHED
        make_writeup(tags=("carers", f"topic {n % 5}", f"extra {n}"), status=status)


@pytest.mark.parametrize("count", [5, 50])
def test_list_tag_home_and_detail_pages_use_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count
):
    _make(count)
    detail = make_writeup(tags=("carers", "topic 1"))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("practice:list")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("tag", args=["carers"])).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(detail.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_staff_list_also_stays_fixed(staff_client, django_assert_max_num_queries, count):
    _make(count)
    with django_assert_max_num_queries(9):
        assert staff_client.get(reverse("practice:list")).status_code == 200


def test_list_cards_show_each_items_own_tags_in_the_order_given(client):
    """Tags come in one grouped query for the page (publishing.attach_tags): each card
    lists its own, in the order they were added, and an untagged item lists none."""
    make_writeup(title="First", tags=("zebra crossings", "apples"))
    make_writeup(title="Second", tags=("carers",))
    make_writeup(title="Third")
    html = client.get(reverse("practice:list")).content.decode()
    cards = {
        title: html.split(f">{title}<")[1].split("</article>")[0]
        for title in ("First", "Second", "Third")
    }
    assert cards["First"].index("zebra crossings") < cards["First"].index("apples")
    assert "carers" not in cards["First"] and "apples" not in cards["Second"]
    assert 'href="/tags/carers/"' in cards["Second"]
    assert "wh-tags" not in cards["Third"]
