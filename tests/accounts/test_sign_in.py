"""Sign-in hardening: lockout, records, sessions, password rules, production settings, CSP."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import FailedSignInRecord, LockoutRecord, Role, SignInRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCKOUT_MESSAGE = "ログインが一時的に制限されています"


def sign_in(client, username, password):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def test_sixth_wrong_password_locks_the_account_with_a_japanese_message(client):
    UserFactory(username="sangyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    for attempt in range(5):
        response = sign_in(client, "sangyo", "wrong")
        assert response.status_code == 200, attempt
        assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()
    response = sign_in(client, "sangyo", "wrong")
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content.decode()
    assert "パスワードの誤りが 6 回続いたため" in response.content.decode()
    # Locked: even the right password is refused now.
    response = sign_in(client, "sangyo", "right-Pass-2024")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # six wrong passwords, and the attempt made while locked counts too
    assert LockoutRecord.objects.get(username="sangyo").failures_since_start == 7


def test_unlocking_by_deleting_the_lockout_record(client):
    UserFactory(username="sangyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    for _ in range(6):
        sign_in(client, "sangyo", "wrong")
    admin = UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    admin_client = type(client)()
    admin_client.force_login(admin)
    record = LockoutRecord.objects.get(username="sangyo")
    response = admin_client.post(
        reverse("admin:accounts_lockoutrecord_delete", args=[record.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert sign_in(client, "sangyo", "right-Pass-2024").status_code == 302


def test_only_the_system_administrator_may_unlock(client):
    staff = UserFactory(username="coord", role=Role.COORDINATOR)
    UserFactory(username="sangyo", role=Role.BUREAU_STAFF)
    for _ in range(6):
        sign_in(client, "sangyo", "wrong")
    record = LockoutRecord.objects.get(username="sangyo")
    client.force_login(staff)
    response = client.post(
        reverse("admin:accounts_lockoutrecord_delete", args=[record.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert LockoutRecord.objects.filter(pk=record.pk).exists()


def test_sign_in_sign_out_and_failures_are_recorded(client):
    UserFactory(username="kankyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    sign_in(client, "kankyo", "wrong")
    assert list(FailedSignInRecord.objects.values_list("username", "locked_out")) == [
        ("kankyo", False)
    ]
    assert sign_in(client, "kankyo", "right-Pass-2024").status_code == 302
    record = SignInRecord.objects.get(username="kankyo")
    assert record.logout_time is None
    client.post(reverse("admin:logout"))
    record.refresh_from_db()
    assert record.logout_time is not None


def test_sign_in_records_are_shown_to_the_system_administrator_only(client):
    UserFactory(username="kankyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    sign_in(client, "kankyo", "right-Pass-2024")
    client.force_login(UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN))
    response = client.get(reverse("admin:accounts_signinrecord_changelist"))
    assert response.status_code == 200
    assert "ログイン・ログアウトの記録" in response.content.decode()
    client.force_login(UserFactory(username="coord", role=Role.COORDINATOR))
    assert client.get(reverse("admin:accounts_signinrecord_changelist")).status_code == 403


def test_session_ends_after_a_working_day_idle_and_at_browser_close(client):
    assert settings.SESSION_COOKIE_AGE == 9 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    UserFactory(username="kankyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    response = sign_in(client, "kankyo", "right-Pass-2024")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["httponly"] is True
    assert client.session.get_expiry_age() == 9 * 60 * 60


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "このパスワードは短すぎます。最低 8 文字以上必要です。"),
        ("password", "このパスワードは一般的すぎます。"),
        ("2024112812", "このパスワードは数字しか使われていません。"),
    ],
)
def test_password_rules_apply(password, message):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert message in error.value.messages


def test_admin_pages_carry_a_content_security_policy(client):
    client.force_login(UserFactory(role=Role.VIEWER))
    response = client.get(reverse("admin:index"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def run_manage(*args, **env):
    # A clean environment: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for the test process.
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings_production",
        SECRET_KEY="k" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="kankyo-plan.city.kitakyushu.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings_production",
        SECRET_KEY="",
        ALLOWED_HOSTS="kankyo-plan.city.kitakyushu.example",
    )
    assert result.returncode != 0
    assert "本番モードでは環境変数 SECRET_KEY が必要です。" in result.stderr
