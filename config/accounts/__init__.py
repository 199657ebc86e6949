"""People and accounts: invitations, roles, deactivation and password reset (issue 13).

`views` (pages), `forms`, `services` (the writes, each sending its config/signals.py signal),
`tokens` (signed links with their own lifetimes), `mail` (what the task worker sends,
config/tasks.py) and `people` (what an account's state is called)."""
