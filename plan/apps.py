from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "plan"
    verbose_name = "環境基本計画"
