"""Settings for the test suite: production settings with the few changes tests need.

Tests run with DEBUG off, as production does; they honour DATABASE_URL like everything else, so the
same suite runs on SQLite (no DATABASE_URL) and on PostgreSQL.
"""

import os

# Tests always run with production's DEBUG=false, whatever the shell or a .env file says.
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["SECURE_COOKIES"] = "false"
os.environ.setdefault("JOB_FILES_ROOT", "/tmp/jinhai-test-jobfiles")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The manifest storage needs collectstatic to have run; tests use the plain one.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/jinhai-test-media"))  # noqa: F405
# One process: the in-memory cache, emptied before every test (conftest.py), with the public page
# cache on as in production whatever a .env file says.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PUBLIC_CACHE_TIMEOUT = 300
HOUSEHOLD_CACHE_TIMEOUT = 300
HOUSEHOLD_SESSION_CACHE_SECONDS = 60
