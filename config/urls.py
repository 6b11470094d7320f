from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from accounts.forms import SignInForm
from config.health import healthz

handler400 = "config.uploads.refused_request"

admin.site.site_header = "北九州市環境基本計画 個別プロジェクト集"
admin.site.site_title = "環境基本計画 管理"
admin.site.index_title = "個別プロジェクト集の管理"
admin.site.login_form = SignInForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
