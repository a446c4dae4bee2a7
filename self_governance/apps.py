from django.apps import AppConfig


class SelfGovernanceConfig(AppConfig):
    name = "self_governance"
    verbose_name = "居民自治"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import triggers

        post_migrate.connect(triggers.ensure_after_migrate, dispatch_uid="ledger-trigger")

        from communities.sections import register_community_link

        register_community_link("美丽约定与积分", "self_governance:community")

        from jinhai.audit import register_personal

        from .models import Account, DiscussionMeeting, Expenditure, FundProject, Inspection, Pet

        register_personal(Account, mask=["room"])
        register_personal(Pet)
        # Proposers, payees, inspectors and minutes may name people.
        for model in (FundProject, Expenditure, DiscussionMeeting, Inspection):
            register_personal(model)
        register_community_link("自治金项目", "self_governance:fund_community")

        from jinhai.search import register_kind

        from .search import KINDS

        register_kind(*KINDS)
