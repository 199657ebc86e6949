from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from config import roles


def site(request: HttpRequest) -> dict:
    """Values every template needs: the site's name, its absolute base URL and the address
    people write to."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
    }


def permissions(request: HttpRequest) -> dict:
    """What the signed-in person's roles let them do (config/roles.py), for links and
    buttons; the views check again. Read only if a template asks."""
    user = request.user
    return {
        "can_write": SimpleLazyObject(lambda: roles.can_write(user)),
        "is_editor": SimpleLazyObject(lambda: roles.is_editor(user)),
        "is_administrator": SimpleLazyObject(lambda: roles.is_administrator(user)),
        "in_review": SimpleLazyObject(lambda: _in_review(user)),
    }


def _in_review(user) -> int:
    if not roles.is_editor(user):
        return 0
    from config.views import in_review_counts

    return in_review_counts()
