import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "demo"


class Command(BaseCommand):
    help = "Create (once) the demo staff account and print its login."

    def handle(self, *args, **options):
        credentials = settings.DATA_DIR / "demo-staff-login.txt"
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        password = credentials.read_text().strip() if credentials.exists() else ""
        if user is None or not password or not user.check_password(password):
            password = password or secrets.token_urlsafe(12)
            user = user or User(username=USERNAME, email="demo@wheelhouse.local")
            user.first_name, user.last_name = "Demo", "Editor"
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            credentials.parent.mkdir(parents=True, exist_ok=True)
            credentials.write_text(password + "\n")
            credentials.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo staff login: username '{USERNAME}', password '{password}' "
                f"at {settings.SITE_URL}/sign-in/"
            )
        )
