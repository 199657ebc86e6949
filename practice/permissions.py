"""View decorators for the roles (config/roles.py): checked on the server, whatever the
page shows."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from config import roles


def _requires(allowed, message: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Anonymous visitors are sent to sign in; signed-in people without the role are refused.
writer_required = _requires(roles.can_write, "Only contributors and editors can do this.")
editor_required = _requires(roles.is_editor, "Only editors can do this.")
administrator_required = _requires(roles.is_administrator, "Only administrators can do this.")


def editable_or_404(user, queryset, **lookup):
    """The item to edit: 404 if this user cannot know it exists (another's draft), 403 if
    they can see it but not change it (published, or someone else's)."""
    item = get_object_or_404(queryset, **lookup)
    if not roles.can_see(user, item):
        raise Http404("No such item.")
    if not roles.can_edit(user, item):
        raise PermissionDenied("Only editors can change this.")
    return item
