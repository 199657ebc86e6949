"""Who may do what: roles are Django groups, checked on the server by every view and POST.

- **Contributor**: writes write-ups, events and notes, and edits their own while they are
  drafts; cannot publish (an editor does).
- **Editor**: edits anyone's, publishes and unpublishes; the staff pages (digest, search
  gaps).
- **Administrator**: all of that, and Django's admin (people and roles, synonyms).

A superuser is an administrator. A staff account (`is_staff`) in none of the groups, as
every account was before roles, counts as an editor.
"""

from __future__ import annotations

CONTRIBUTOR = "Contributor"
EDITOR = "Editor"
ADMINISTRATOR = "Administrator"
ROLES = (CONTRIBUTOR, EDITOR, ADMINISTRATOR)


def roles(user) -> frozenset[str]:
    """The user's roles, read once per request (kept on the user object); from
    `user.groups.all()`, so that `prefetch_related("groups")` serves many users at once."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_wheelhouse_roles", None)
    if cached is None:
        cached = frozenset(group.name for group in user.groups.all()) & frozenset(ROLES)
        if user.is_superuser:
            cached |= {ADMINISTRATOR}
        elif user.is_staff and not cached:
            cached = frozenset({EDITOR})
        user._wheelhouse_roles = cached
    return cached


def is_editor(user) -> bool:
    return bool(roles(user) & {EDITOR, ADMINISTRATOR})


def is_administrator(user) -> bool:
    """People and roles, invitations and accounts (config/accounts/): administrators only."""
    return ADMINISTRATOR in roles(user)


def can_write(user) -> bool:
    return bool(roles(user))


def can_edit(user, item) -> bool:
    """Editors edit anything; a contributor, their own items while unpublished."""
    if is_editor(user):
        return True
    return (
        can_write(user)
        and item.pk is not None
        and item.author_id == user.pk
        and not item.is_published
    )


def can_see(user, item) -> bool:
    """Whether the item exists as far as this user knows: published, or theirs to edit."""
    return item.is_published or can_edit(user, item)
