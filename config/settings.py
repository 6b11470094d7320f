"""Settings, read from the environment.

- ``DATABASE_URL``: SQLite file ``db.sqlite3`` by default, so that a newcomer needs nothing else;
  a ``postgres://`` URL selects PostgreSQL through psycopg 3 (production and CI).
- ``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS``: the usual. ``DEBUG`` defaults to off; ``make run``
  turns it on for the local development server.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The default for development and tests; production must set the SECRET_KEY variable.
    SECRET_KEY = "insecure-development-key-change-me-in-production-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "config.admin_site.PlanAdminConfig",  # django.contrib.admin with the site's own order
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "simple_history",
    "django_filters",
    "import_export",
    "accounts",
    "plan",
    "kpis",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes: last, so that it sees the result of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

# Django's form renderer, with the widget templates every change form renders dozens of times
# written out in Python (the same HTML; see config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.FastWidgetRenderer"

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for each other instead of failing with "database is locked": every
    # transaction takes the write lock when it begins (a deferred one cannot upgrade its read lock
    # while another writer holds it), waits up to 20 s for it, and readers do not block writers
    # (write-ahead log).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The test database is created in UTF-8 (C.UTF-8) too, so Japanese text is handled right.
    DATABASES["default"].setdefault("TEST", {}).update({"TEMPLATE": "template0", "CHARSET": "UTF8"})

AUTH_USER_MODEL = "accounts.User"
# Permissions are decided by the policy in accounts/permissions.py alone (asked through
# user.has_perm via the backend). django-axes' backend comes first: a locked-out user is
# stopped before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.PolicyBackend"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Request bodies (config/uploads.py): ordinary form fields up to 2.5 MB in all; uploaded files up
# to the workbook limit (20 MB), refused at the first byte past it by UploadLimitHandler, kept in
# memory up to 2.5 MB and in a temporary file (deleted at the end of the request) beyond.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "config.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# django-import-export (the yearly 実績値 sheet, kpis/resources.py): both doors need a permission
# that the policy (accounts/permissions.py) answers; the defaults (None) would let anyone who
# reaches an admin import and export. The admin's log is not used: the change engine records
# every import as a change request with history.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The upload waits in the database between the 下見 and the confirmation, so that any app server
# may take the confirmation (the default, a temporary folder, belongs to one server).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "kpis.sheet_storage.DatabaseUploadStorage"
# (IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is not set: it strips a leading "=" and lets "+", "-",
# "@" through; the sheet's writer, kpis.actual_sheet, stores such text as text instead, unchanged.)

LOGIN_URL = "admin:login"
# After sign-in without a usable ``next`` (absent, or pointing off this site): the admin index.
LOGIN_REDIRECT_URL = "admin:index"

# The address of this site, for links in email (notifications of 「変更申請」).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Email: the console in development; set EMAIL_HOST (and the usual EMAIL_* settings) in production.
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kankyo-plan@example.jp")

# --- Sign-in hardening -------------------------------------------------------------------------
# Sessions end after a working day without activity (each request extends them) and when the
# browser closes.
SESSION_COOKIE_AGE = 9 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# django-axes: the sixth wrong password in a row locks the account from that address for an hour
# (username and address together: behind the city hall's shared NAT, locking a whole address would
# lock everyone out). A system administrator can unlock earlier by deleting the attempt in the admin
# (「アクセス試行」). Successful sign-ins, sign-outs and failures are logged.
AXES_FAILURE_LIMIT = 6
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_ENABLE_ADMIN = False  # shown in Japanese through proxies in accounts/admin.py instead

# Content-Security-Policy (django-csp): the admin needs only its own scripts, styles and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"  # the admin's related-object popups are windows, not frames

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
