from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "plan"
    verbose_name = "環境基本計画"

    def ready(self) -> None:
        # The change engine stamps every historical row with its change request (a signal receiver).
        from plan.changes import history  # noqa: F401
