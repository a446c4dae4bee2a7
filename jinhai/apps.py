from django.apps import AppConfig


class JinhaiConfig(AppConfig):
    name = "jinhai"
    verbose_name = "系统"
