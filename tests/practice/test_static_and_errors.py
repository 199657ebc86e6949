import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import path

from config.urls import urlpatterns as site_urls


def _boom(request):
    raise RuntimeError("simulated failure")


urlpatterns = [*site_urls, path("boom/", _boom)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_shows_the_site_styled_500_page_without_a_traceback():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "site-header" in html
    assert "Traceback" not in html and "simulated failure" not in html


@pytest.mark.django_db
def test_whitenoise_serves_hashed_compressed_static_files(tmp_path, settings):
    manifest = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(
        STATIC_ROOT=tmp_path, STORAGES={**settings.STORAGES, "staticfiles": manifest}
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert list(tmp_path.glob("css/site.*.css.gz")), "compressed, hashed CSS is collected"
        client = Client()
        html = client.get("/").content.decode()
        css_url = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
        response = client.get(css_url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "immutable" in response["Cache-Control"]
