"""Production serving: the health check, the HTTPS redirect it is exempt from, static files through
WhiteNoise, the gunicorn configuration and the bounds of the load test script."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PRODUCTION_ENVIRONMENT = {
    "SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-serving-tests-0123456789",
    "ALLOWED_HOSTS": "kankyo-plan.city.kitakyushu.example,127.0.0.1",
}


@pytest.fixture
def production(monkeypatch):
    """config.settings_production's own values (imported with the environment it requires)."""
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("config.settings_production", None)
    return importlib.import_module("config.settings_production")


def test_health_check_answers_ok_without_sign_in():
    response = Client().get("/healthz")
    assert (response.status_code, response.content, response["Content-Type"]) == (
        200,
        b"ok",
        "text/plain",
    )
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_health_check_answers_503_when_the_database_does_not(monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (503, b"database unavailable")


def test_production_redirects_to_https_except_the_health_check(production):
    with override_settings(
        SECURE_SSL_REDIRECT=production.SECURE_SSL_REDIRECT,
        SECURE_REDIRECT_EXEMPT=production.SECURE_REDIRECT_EXEMPT,
        SECURE_PROXY_SSL_HEADER=production.SECURE_PROXY_SSL_HEADER,
        ALLOWED_HOSTS=production.ALLOWED_HOSTS,
    ):
        client = Client(HTTP_HOST="127.0.0.1")
        assert client.get("/healthz").status_code == 200
        response = client.get("/admin/")
        assert (response.status_code, response["Location"]) == (301, "https://127.0.0.1/admin/")
        # Behind the proxy, which says the request came over HTTPS:
        proxied = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
        assert proxied.status_code == 200


def test_production_serves_static_files_through_whitenoise(production):
    assert production.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert production.STORAGES["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert Path(settings.BASE_DIR) / "staticfiles" == production.STATIC_ROOT


def test_gunicorn_configuration_is_bounded_and_local():
    namespace: dict = {}
    source = Path(settings.BASE_DIR, "config", "gunicorn.conf.py").read_text()
    exec(compile(source, "gunicorn.conf.py", "exec"), namespace)
    assert namespace["bind"] == "127.0.0.1:8000"
    assert namespace["timeout"] == 120
    assert namespace["forwarded_allow_ips"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--url", "http://example.org:8000"], "127.0.0.1 か localhost だけを相手にします"),
        (["--duration", "3600"], "--duration は 1〜300 秒です"),
        (["--clients", "500"], "--clients は 1〜32 です"),
    ],
)
def test_load_test_refuses_other_hosts_and_unbounded_runs(arguments, message):
    result = subprocess.run(
        [sys.executable, "benchmarks/load.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
