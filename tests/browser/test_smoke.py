import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_superuser_signs_in_to_the_admin(django_user_model, admin_login):
    django_user_model.objects.create_superuser("smoke", "smoke@example.com", "pass-Smoke-123")

    page = admin_login("smoke", "pass-Smoke-123")

    expect(page.locator("#site-name")).to_have_text("北九州市環境基本計画 個別プロジェクト集")
    expect(page.locator("#content h1")).to_have_text("個別プロジェクト集の管理")
