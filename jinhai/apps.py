from django.apps import AppConfig


class JinhaiConfig(AppConfig):
    name = "jinhai"
    verbose_name = "系统"

    def ready(self):
        from .caching import connect_signals

        # Every write to the portal's models empties the public page cache.
        connect_signals()
