"""Production mode: ``DJANGO_SETTINGS_MODULE=config.settings_production``.

Everything of config/settings.py, plus HTTPS-only cookies, HSTS and redirects, and static files
served by WhiteNoise from STATIC_ROOT (``make serve`` runs ``collectstatic`` first). Refuses to start
without a real SECRET_KEY and ALLOWED_HOSTS from the environment, and never runs with DEBUG.
Served by gunicorn (config/gunicorn.conf.py) behind a proxy that terminates HTTPS: see the README.
``python manage.py check --deploy`` is clean in this mode (tests/accounts/test_sign_in.py runs it).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("本番モードでは環境変数 SECRET_KEY が必要です。")
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("本番モードでは環境変数 ALLOWED_HOSTS が必要です。")

DEBUG = False

# Static files from STATIC_ROOT, compressed and with hashed names (cached for ever by browsers).
# A new list: the one imported from config.settings is left as it is.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = True
# The health check answers plain HTTP too, so that a probe on the server itself (or the proxy's)
# needs no certificate.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Trusted only because gunicorn listens on 127.0.0.1 behind the proxy, which sets this header on
# every request (overwriting a client's): see the README.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]  # noqa: F405
