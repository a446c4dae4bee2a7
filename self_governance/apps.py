from django.apps import AppConfig


class SelfGovernanceConfig(AppConfig):
    name = "self_governance"
    verbose_name = "居民自治"
