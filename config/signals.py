"""Signals about people, sent by the accounts pages and heard by the audit log, so that
neither imports the other."""

from django.dispatch import Signal

# An administrator invited someone: `user` (the new, not yet active account), `by`, `request`.
invitation_sent = Signal()
# Someone accepted an invitation and set their password: `user`, `request`.
invitation_accepted = Signal()
# An account was deactivated or reactivated: `user`, `by`, `request`.
account_deactivated = Signal()
account_reactivated = Signal()
# Someone set a new password from a reset link: `user`, `request`.
password_reset_done = Signal()
