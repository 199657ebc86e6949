import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from config import roles

# One demo account per role: username, name, role. The administrator is a superuser.
ACCOUNTS = [
    ("demo-contributor", "Demo", "Contributor", roles.CONTRIBUTOR),
    ("demo-editor", "Demo", "Editor", roles.EDITOR),
    ("demo", "Demo", "Administrator", roles.ADMINISTRATOR),
]


class Command(BaseCommand):
    help = "Create (once) one demo account per role and print their logins."

    def handle(self, *args, **options):
        for username, first, last, role in ACCOUNTS:
            password = self._ensure(username, first, last, role)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo {role.lower()} login: username '{username}', password "
                    f"'{password}' at {settings.SITE_URL}/sign-in/"
                )
            )

    def _ensure(self, username: str, first: str, last: str, role: str) -> str:
        """The account's password, kept in .data (mode 600) so it stays the same."""
        credentials = settings.DATA_DIR / f"demo-login-{username}.txt"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        password = credentials.read_text().strip() if credentials.exists() else ""
        if user is None or not password or not user.check_password(password):
            password = password or secrets.token_urlsafe(12)
            user = user or User(username=username, email=f"{username}@wheelhouse.local")
            user.first_name, user.last_name = first, last
            user.is_staff = user.is_superuser = role == roles.ADMINISTRATOR
            user.set_password(password)
            user.save()
            credentials.parent.mkdir(parents=True, exist_ok=True)
            credentials.write_text(password + "\n")
            credentials.chmod(0o600)
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        return password
