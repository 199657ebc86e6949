"""Loaded as a pytest plugin (`-p tests.environment`) before Django reads its settings.

Tests read static files straight from static/ (no collectstatic) and need no production
secret. Anything set in the real environment wins.
"""

import os

os.environ.setdefault("STATIC_STORAGE", "simple")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Playwright's sync API runs an event loop in the test thread; the ORM calls our tests make
# around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
