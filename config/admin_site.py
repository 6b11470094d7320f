"""The admin site: its names, and the index's apps and models in the order people use them.

Django lists apps and models alphabetically by their names, which in Japanese puts 「KPI」 before
「環境基本計画」 and 「計画」 last; people start from the plan's projects, then KPIs, then users.
"""

from django.apps import apps as installed_apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import NoReverseMatch
from django.utils.text import capfirst

from accounts.admin_widgets import reverse_once

SITE_HEADER = "北九州市環境基本計画 個別プロジェクト集"
SITE_TITLE = "環境基本計画 管理"
INDEX_TITLE = "個別プロジェクト集の管理"

#: Apps in this order; an app not named here comes after them.
APP_ORDER = ("plan", "kpis", "evaluation", "accounts")
#: Models within their app in this order (by object name); others come after them.
MODEL_ORDER = (
    "Project",
    "ChangeRequest",
    "Measure",
    "PolicyGoal",
    "Edition",
    "Plan",
    "Kpi",
    "KpiActual",
    "EvaluationRound",
    "EvaluationSheet",
    "User",
    "Bureau",
    "AccountChangeRecord",
    "SignInRecord",
    "FailedSignInRecord",
    "LockoutRecord",
)


def _position(order: tuple[str, ...], name: str) -> tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


def _admin_url(site_name: str, name: str, **kwargs) -> str | None:
    """``reverse("admin:" + name, kwargs=kwargs, current_app=site_name)`` (kept per URLconf and
    script prefix: ``reverse_once``), or None where it does not match."""
    try:
        return reverse_once(f"admin:{name}", current_app=site_name, kwargs=kwargs)
    except NoReverseMatch:
        return None


class PlanAdminSite(admin.AdminSite):
    site_header = SITE_HEADER
    site_title = SITE_TITLE
    index_title = INDEX_TITLE

    def get_app_list(self, request, app_label=None):
        """Django's app list in our order, built once per request and user: the index shows it
        and every page's navigation sidebar (``each_context``) shows it again."""
        kept = request.__dict__.setdefault("_admin_app_lists", {})
        key = (getattr(request.user, "pk", None), app_label)
        if key not in kept:
            apps = super().get_app_list(request, app_label)
            apps.sort(key=lambda app: _position(APP_ORDER, app["app_label"]))
            for app in apps:
                app["models"].sort(key=lambda model: _position(MODEL_ORDER, model["object_name"]))
            kept[key] = apps
        return kept[key]

    def _build_app_dict(self, request, label=None):
        """Django 5.2's ``AdminSite._build_app_dict``: the same questions of each model admin
        (asked for this request's user), the URLs reversed once per process (``_admin_url``)."""
        app_dict: dict[str, dict] = {}
        for model, model_admin in self._registry.items():
            app_label = model._meta.app_label
            if label and app_label != label:
                continue
            has_module_perms = model_admin.has_module_permission(request)
            if not has_module_perms:
                continue
            perms = model_admin.get_model_perms(request)
            if True not in perms.values():
                continue
            info = f"{app_label}_{model._meta.model_name}"
            model_dict = {
                "model": model,
                "name": capfirst(model._meta.verbose_name_plural),
                "object_name": model._meta.object_name,
                "perms": perms,
                "admin_url": None,
                "add_url": None,
            }
            if perms.get("change") or perms.get("view"):
                model_dict["view_only"] = not perms.get("change")
                model_dict["admin_url"] = _admin_url(self.name, f"{info}_changelist")
            if perms.get("add"):
                model_dict["add_url"] = _admin_url(self.name, f"{info}_add")
            if app_label in app_dict:
                app_dict[app_label]["models"].append(model_dict)
            else:
                app_url = _admin_url(self.name, "app_list", app_label=app_label)
                if app_url is None:
                    raise NoReverseMatch(f"admin:app_list for {app_label}")
                app_dict[app_label] = {
                    "name": installed_apps.get_app_config(app_label).verbose_name,
                    "app_label": app_label,
                    "app_url": app_url,
                    "has_module_perms": has_module_perms,
                    "models": [model_dict],
                }
        return app_dict


class PlanAdminConfig(AdminConfig):
    default_site = "config.admin_site.PlanAdminSite"
