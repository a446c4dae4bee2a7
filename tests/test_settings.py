"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_settings(**env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='jinhai.settings'; "
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], settings.LANGUAGE_CODE, "
        "settings.TIME_ZONE, settings.USE_TZ)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_has_a_development_key_and_sqlite_default():
    result = run_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "zh-hans",
        "Asia/Shanghai",
        "True",
    ]


def test_database_url_selects_postgresql():
    result = run_settings(
        DEBUG="false", SECRET_KEY="x" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/jinhai"
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout


def settings_of(code, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DATABASE_"))}
    clean.update({"DEBUG": "false", "SECRET_KEY": "x" * 50, **env})
    setup = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='jinhai.settings'; "
        "django.setup(); "
    )
    result = subprocess.run(
        [sys.executable, "-c", setup + code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_one_database_unless_a_replica_is_named():
    code = "from django.conf import settings; print(sorted(settings.DATABASES))"
    assert settings_of(code) == "['default']"
    replica = settings_of(
        code + "; r = settings.DATABASES['replica']; print(r['TEST']['MIRROR'], r['PORT'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/jinhai",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/jinhai",
    )
    assert replica.splitlines() == ["['default', 'replica']", "default 5433"]


def test_redis_cache_url_keeps_its_key_prefix():
    code = (
        "from django.conf import settings; c = settings.CACHES['default']; "
        "print(c['BACKEND'], c['KEY_PREFIX'])"
    )
    out = settings_of(code, CACHE_URL="redis://127.0.0.1:6379/1?key_prefix=jinhai")
    assert out == "django.core.cache.backends.redis.RedisCache jinhai"


def test_media_and_job_files_in_a_private_bucket():
    code = (
        "from django.core.files.storage import storages; "
        "media, jobs = storages['default'], storages['jobs']; "
        "print(type(media).__name__, media.location, jobs.location, media.default_acl); "
        "print(media.url('photos/a.jpg'))"
    )
    out = settings_of(
        code,
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="jinhai",
        AWS_S3_ENDPOINT_URL="https://oss-cn-shanghai.aliyuncs.com",
        AWS_ACCESS_KEY_ID="test-key",
        AWS_SECRET_ACCESS_KEY="test-secret",
    ).splitlines()
    assert out[0] == "S3Storage media jobs None"
    # Private objects, handed out by signed links that expire (signed offline, nothing is sent).
    assert out[1].startswith("https://")
    assert "oss-cn-shanghai.aliyuncs.com" in out[1] and "media/photos/a.jpg" in out[1]
    assert "Signature" in out[1] and "Expires" in out[1]


def test_proxy_count_and_body_limits_come_from_the_environment():
    code = (
        "from django.conf import settings; from axes.helpers import get_client_ip_address; "
        "print(settings.TRUSTED_PROXY_COUNT, settings.REQUEST_MAX_BYTES, "
        "settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.FILE_UPLOAD_MAX_MEMORY_SIZE); "
        "from django.test import RequestFactory; "
        "r = RequestFactory().get('/', REMOTE_ADDR='10.0.0.1', "
        "HTTP_X_FORWARDED_FOR='6.6.6.6, 1.2.3.4'); print(get_client_ip_address(r))"
    )
    out = settings_of(
        code,
        AXES_PROXY_COUNT="1",
        REQUEST_MAX_BYTES="5000000",
        DATA_UPLOAD_MAX_MEMORY_SIZE="1000000",
        FILE_UPLOAD_MAX_MEMORY_SIZE="2000000",
    )
    assert out.splitlines() == ["1 5000000 1000000 2000000", "1.2.3.4"]
    # Without it, the proxy's own address: the setting must be given behind a proxy.
    assert settings_of(code).splitlines()[1] == "10.0.0.1"
