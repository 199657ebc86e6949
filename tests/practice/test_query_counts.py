import pytest
from django.urls import reverse

from practice.publishing import Status
from tests.conftest import make_writeup

pytestmark = pytest.mark.django_db


def _make(count: int) -> None:
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
