from django.apps import AppConfig


class JinhaiConfig(AppConfig):
    name = "jinhai"
    verbose_name = "系统"

    def ready(self):
        from . import admin_audit  # noqa: F401  (registers 查阅记录 and the raw audit log)
        from .caching import connect_signals

        # Every write to the portal's models empties the public page cache.
        connect_signals()
