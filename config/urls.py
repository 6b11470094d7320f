from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from accounts.forms import SignInForm
from config.health import healthz

handler400 = "config.uploads.refused_request"

admin.site.login_form = SignInForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
