"""The admin's sign-in form, with messages that say what is wrong with the account."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

INACTIVE_ACCOUNT = (
    "このアカウントは無効になっています (「有効」がオフです)。システム管理者に連絡してください。"
)
NO_ADMIN_ACCESS = (
    "このアカウントには管理画面を使う権限がありません。システム管理者に連絡してください。"
)


class SignInForm(AdminAuthenticationForm):
    """Django's admin sign-in, except that a right password for an account that may not sign in
    is answered with the reason (inactive, or no admin access), not 「パスワードが違う」."""

    error_messages = {**AdminAuthenticationForm.error_messages, "inactive": INACTIVE_ACCOUNT}

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_login" and self._inactive_account():
                raise ValidationError(INACTIVE_ACCOUNT, code="inactive") from error
            raise

    def _inactive_account(self) -> bool:
        """An inactive account whose password was given right (the backends refuse it silently)."""
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return False
        account = get_user_model()._default_manager.filter(username=username).first()
        return account is not None and not account.is_active and account.check_password(password)

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active:
            raise ValidationError(INACTIVE_ACCOUNT, code="inactive")
        if not user.is_staff:
            raise ValidationError(NO_ADMIN_ACCESS, code="no_admin_access")
