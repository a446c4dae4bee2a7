from django.apps import AppConfig


class JinhaiConfig(AppConfig):
    name = "jinhai"
    verbose_name = "系统"

    def ready(self):
        # Admin pages of this app beyond jinhai/admin.py (查阅记录, the audit log, 后台任务),
        # and the kinds of background job, which register themselves on import.
        from . import admin_audit  # noqa: F401
        from .caching import connect_signals
        from .jobs import admin as jobs_admin  # noqa: F401
        from .jobs import handlers  # noqa: F401

        # Every write to the portal's models empties the public page cache.
        connect_signals()
