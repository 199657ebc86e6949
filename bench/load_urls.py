"""The project's URLs and /__bare__/: `HttpResponse("ok")` through the same process,
middleware and URL resolver, the ceiling every page is compared with."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("__bare__/", bare), path("", include("config.urls"))]
