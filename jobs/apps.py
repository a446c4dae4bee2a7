from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "后台任务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The kinds of job register their handlers on import.
        from . import handlers  # noqa: F401
