from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Values every template needs: the site's name and its absolute base URL."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
