"""What every request's input goes through before a view sees it."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

# C0 and C1 control characters and DEL. Tab, line feed and carriage return are kept in form
# fields, where multi-line text needs them; forms refuse them in one-line fields.
_CONTROLS_BUT_WHITESPACE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# In the address bar nothing is multi-line: every control character goes.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _cleaned(data: QueryDict, pattern: re.Pattern[str]) -> QueryDict:
    if not any(pattern.search(key) or any(map(pattern.search, data.getlist(key))) for key in data):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(pattern.sub("", key), [pattern.sub("", value) for value in values])
    cleaned._mutable = False
    return cleaned


class ControlCharactersMiddleware:
    """Control characters never reach a view, a form or the database.

    A NUL in `?tag=` used to reach PostgreSQL (which refuses it: a 500); a form-feed or an
    escape sequence in a name would reach emails and calendar files. They are removed from
    every GET parameter and every submitted form field, names and values alike; uploaded
    files are left as they are (the upload checks decode and re-encode them).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _cleaned(request.GET, _CONTROLS)
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            request.POST = _cleaned(request.POST, _CONTROLS_BUT_WHITESPACE)
        return self.get_response(request)
