"""Settings for the Jinhai community-governance portal.

Everything that differs between a laptop, CI and production is read from the environment (or an
optional `.env` file beside manage.py); see README.md for the variables.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without one; "
            "set DEBUG=true for local development."
        )
    # Only ever used with DEBUG on: sessions signed with it are worthless anywhere else.
    SECRET_KEY = "django-insecure-dev-only-jinhai-portal"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so that runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "jinhai.renamed_apps.AxesConfig",  # django-axes, under a Chinese name
    "auditlog",
    "django_otp",
    "jinhai.renamed_apps.TOTPConfig",  # django-otp's TOTP devices, under a Chinese name
    # Background jobs: django-tasks (Django 6's Tasks framework) with its database backend.
    "django_tasks",
    "django_tasks_db",
    # The project package is an app too: it holds what every app shares (import log, template tags).
    "jinhai",
    "communities",
    "volunteers",
    "self_governance",
    "orgs",
    "residents",
    # Last, as it asks: deletes a file once the transaction that replaced, cleared or deleted it
    # commits (so a rolled-back save keeps it).
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: refuses one over REQUEST_MAX_BYTES (413) and NUL bytes in
    # parameters (400).
    "jinhai.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the database: marks public GETs whose reads may go to a replica.
    "jinhai.replicas.PublicReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "jinhai.middleware.SessionTimeoutMiddleware",
    # Makes the logged-in user the actor of every audit-log entry written during the request.
    "auditlog.middleware.AuditlogMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses a locked-out (username, IP) before checking a password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "jinhai.urls"
WSGI_APPLICATION = "jinhai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jinhai.context_processors.portal",
            ],
        },
    },
]

# No DATABASE_URL means an SQLite file in the checkout: the embedded default for development.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DB_POOL", default=False):
        # psycopg's pool; Django requires CONN_MAX_AGE 0 with it.
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=10),
        }
        _db["CONN_MAX_AGE"] = 0
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and a writer work at once; IMMEDIATE avoids "database is locked" surprises
    # when a read transaction later tries to write.
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )

# An optional streaming replica for public reads (jinhai.replicas): pages that anonymous visitors
# read go to it when it has replayed every change their data version stands for; everything staff
# and residents write, the admin and the workers use the primary ("default"). Tests mirror it.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": _db.get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": _db.get("CONN_HEALTH_CHECKS", False),
        "TEST": {"MIRROR": "default"},
    }
    if "pool" in _db.get("OPTIONS", {}):
        DATABASES["replica"].setdefault("OPTIONS", {})["pool"] = _db["OPTIONS"]["pool"]
DATABASE_ROUTERS = ["jinhai.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Public pages are cached for anonymous visitors until the data changes (jinhai.caching). The
# cache must be one that every gunicorn worker and every manage.py command shares, or a change
# made in one process would leave the others serving old pages: production's default is a
# directory; CACHE_URL may name Redis or memcached instead. Development (DEBUG) keeps the
# in-process cache and turns the page cache off, so that an edited template shows at once.
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default=(
            "locmemcache://"
            if DEBUG
            else f"filecache://{BASE_DIR / '.cache' / 'pages'}?max_entries=2000"
        ),
    )
}
# django-environ hands Django's own RedisCache its base options in lower case ("key_prefix"),
# which Django ignores; give them the names Django reads.
for _name in ("key_prefix", "timeout", "version", "key_function"):
    if _name in CACHES["default"]:
        CACHES["default"][_name.upper()] = CACHES["default"].pop(_name)
# Sessions in the database by default; several web nodes may keep them in the shared cache
# (django.contrib.sessions.backends.cached_db: Redis first, the database behind it).
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.db")
# How long a cached page may live at most (seconds; 0 turns the page cache off): the safety net
# for changes made behind Django's back, such as SQL typed into psql or a restored backup.
PUBLIC_CACHE_TIMEOUT = env.int("PUBLIC_CACHE_TIMEOUT", default=0 if DEBUG else 300)
# The same for a household's own pages (我的, jinhai.caching.household_page), cached for that
# household alone; 0 turns it off.
HOUSEHOLD_CACHE_TIMEOUT = env.int("HOUSEHOLD_CACHE_TIMEOUT", default=0 if DEBUG else 300)
# How long an open household session is remembered in the cache (communities.codes), so that a
# page from the household page cache reads no database; ending a session forgets it at once in a
# shared cache. 0 asks the database on every request (and is the default with the in-process
# cache, which other workers would not see).
HOUSEHOLD_SESSION_CACHE_SECONDS = env.int(
    "HOUSEHOLD_SESSION_CACHE_SECONDS",
    default=0 if "locmem" in CACHES["default"]["BACKEND"].lower() else 60,
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# The portal's own Chinese for what Django and the packages say in the admin (read before theirs),
# and one date format across it (jinhai/formats/zh_Hans/formats.py).
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["jinhai.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Where finished jobs leave their files (exports, workbooks, backups) for staff to download
# through the admin; never served as media.
JOB_FILES_ROOT = Path(env.str("JOB_FILES_ROOT", default=str(BASE_DIR / "jobfiles")))

# Uploads and job files live on this machine's disk (a shared mount serves several machines) or,
# with MEDIA_STORAGE=s3, in an S3-compatible bucket (django-storages: MinIO, 阿里云 OSS, 腾讯云
# COS), private, handed out through signed links that expire.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=600)
    AWS_S3_FILE_OVERWRITE = False
    _media_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "media"}}
    _job_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "jobs"}}
elif MEDIA_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _job_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": JOB_FILES_ROOT, "base_url": None},
    }
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3.")

STORAGES = {
    "default": _media_storage,
    "jobs": _job_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"

# Logins. A lock-out is per username *and* address, so that one person mistyping in a shared
# office does not lock out everyone behind the same address, and it ends by itself.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Renders that template in the admin's frame with the time the lock ends (jinhai.views).
AXES_LOCKOUT_CALLABLE = "jinhai.views.locked_out"
# Behind a TLS proxy every request comes from the proxy's address: set AXES_PROXY_COUNT to the
# number of proxies, and the client's address is read from X-Forwarded-For instead
# (jinhai.middleware.client_ip), or anyone could lock a known user out.
# (Not named AXES_PROXY_COUNT inside Django: django-axes warns about that old name of its own.)
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "jinhai.middleware.client_ip"
# A second factor for the admin (django-otp, TOTP apps such as 微信/支付宝 小程序 or any
# authenticator): staff register a device in 管理后台 › TOTP devices; once this is on, the admin
# asks for the six-digit code at login and refuses anyone without a confirmed device.
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = env.str("PORTAL_NAME", default="金海街道社区治理平台")
# Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS after the
# login whatever happens (jinhai.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=10)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Every file the pages use is served from this site; nothing names another host. Styles allow
# inline attributes (charts and the map set sizes with them); scripts never run inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# django-import-export: importing needs the model's "add" permission, exporting its "view"
# permission, so a view-only account can look and export but never import.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Formula escaping is done by our own export formats (jinhai.imports.formats): the library's only
# strips a leading "=" and turns every cell into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Spreadsheet imports (jinhai.imports): limits, and where uploads wait between preview and confirm.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# The largest request body any page takes (an import file and its form), refused by its
# Content-Length before it is read (jinhai.middleware.RequestGuardMiddleware); the proxy in front
# sets the same limit (nginx client_max_body_size). Form fields without files may take at most
# DATA_UPLOAD_MAX_MEMORY_SIZE; an uploaded file above FILE_UPLOAD_MAX_MEMORY_SIZE goes to a
# temporary file instead of memory.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=IMPORT_MAX_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
# How much more memory (MB of address space) the child process reading an uploaded file may take
# than it was forked with (jinhai.imports.child); 0 reads in the requesting process, uncapped.
IMPORT_READ_MEMORY_MB = env.int("IMPORT_READ_MEMORY_MB", default=1024)
# How long that child may read before it is ended (seconds).
IMPORT_READ_SECONDS = env.int("IMPORT_READ_SECONDS", default=300)
IMPORT_TMP_DIR = env.str("IMPORT_TMP_DIR", default="")
IMPORT_TMP_MAX_AGE = env.int("IMPORT_TMP_MAX_AGE", default=3600)

# Background jobs (jobs app): django-tasks' database backend, so that `manage.py db_worker` on any
# machine takes them from the same database (SQLite works for one machine).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Exports and imports of more rows than this run as jobs; smaller ones answer at once.
JOB_EXPORT_ROWS = env.int("JOB_EXPORT_ROWS", default=5000)
JOB_IMPORT_ROWS = env.int("JOB_IMPORT_ROWS", default=5000)
# Finished jobs and their files are removed after this many days.
JOB_KEEP_DAYS = env.int("JOB_KEEP_DAYS", default=7)
# A running job that has not reported for this long is shown as interrupted (its worker died).
JOB_STALE_MINUTES = env.int("JOB_STALE_MINUTES", default=15)

# Security: on by default outside DEBUG; a site served over plain HTTP on a closed network sets
# SECURE_SSL_REDIRECT=false and SECURE_COOKIES=false explicitly.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer probes the health check over plain HTTP on the inside network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "jinhai": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    },
}

# Personal data of people whose roles ended more than this many years ago is anonymised by
# `manage.py purge_personal_data` (run it from cron).
PERSONAL_DATA_RETENTION_YEARS = env.int("PERSONAL_DATA_RETENTION_YEARS", default=3)

PORTAL_NAME = env.str("PORTAL_NAME", default="金海街道社区治理平台")
# Uploads are served by jinhai.media.serve after it checks who asks. With this set (e.g.
# "/protected-media/"), the view answers with X-Accel-Redirect to that nginx `internal` location
# instead of reading the file itself; empty: Django sends the bytes (development, small installs).
MEDIA_ACCEL_REDIRECT = env.str("MEDIA_ACCEL_REDIRECT", default="")

# 户码: household codes are kept only as an HMAC under this key, so that a code can be found by
# an index but not read back from the database. Its own setting, so that SECRET_KEY can be
# rotated without reprinting every card; unset, it is derived from SECRET_KEY.
HOUSEHOLD_CODE_KEY = env.str("HOUSEHOLD_CODE_KEY", default="") or ("household-code:" + SECRET_KEY)
# Wrong codes allowed per address, and from everywhere together, in one window of minutes.
HOUSEHOLD_CODE_TRIES = env.int("HOUSEHOLD_CODE_TRIES", default=10)
HOUSEHOLD_CODE_TRIES_ALL = env.int("HOUSEHOLD_CODE_TRIES_ALL", default=500)
HOUSEHOLD_CODE_WINDOW_MINUTES = env.int("HOUSEHOLD_CODE_WINDOW_MINUTES", default=15)
