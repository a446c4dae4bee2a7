from django.apps import AppConfig


class SelfGovernanceConfig(AppConfig):
    name = "self_governance"
    verbose_name = "居民自治"

    def ready(self):
        from communities.sections import register_community_link

        register_community_link("美丽约定与积分", "self_governance:community")

        from jinhai.audit import register_personal

        from .models import Account, Pet

        register_personal(Account, mask=["room"])
        register_personal(Pet)
        register_community_link("自治金项目", "self_governance:fund_community")
