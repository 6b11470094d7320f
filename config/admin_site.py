"""The admin site: its names, and the index's apps and models in the order people use them.

Django lists apps and models alphabetically by their names, which in Japanese puts 「KPI」 before
「環境基本計画」 and 「計画」 last; people start from the plan's projects, then KPIs, then users.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

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


class PlanAdminSite(admin.AdminSite):
    site_header = SITE_HEADER
    site_title = SITE_TITLE
    index_title = INDEX_TITLE

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        apps.sort(key=lambda app: _position(APP_ORDER, app["app_label"]))
        for app in apps:
            app["models"].sort(key=lambda model: _position(MODEL_ORDER, model["object_name"]))
        return apps


class PlanAdminConfig(AdminConfig):
    default_site = "config.admin_site.PlanAdminSite"
