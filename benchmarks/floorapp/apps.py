from django.apps import AppConfig


class FloorAppConfig(AppConfig):
    name = "benchmarks.floorapp"
    label = "floorapp"
    verbose_name = "ベンチマークの床"
    default_auto_field = "django.db.models.BigAutoField"
