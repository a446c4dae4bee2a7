from django.apps import AppConfig


class SelfGovernanceConfig(AppConfig):
    """Residents' self-governance, in three rooms: agreements (美丽约定), fund (自治金) and
    campaign (和美楼组). Each room's pieces are wired up here, one paragraph a room."""

    name = "self_governance"
    verbose_name = "居民自治"

    def ready(self):
        from django.db.models.signals import post_migrate

        from communities.sections import register_community_link
        from jinhai.audit import register_personal
        from jinhai.search import register_kind
        from jinhai.todo import register_todo

        from .agreements import triggers
        from .agreements.models import Account, Pet
        from .campaign.models import Inspection
        from .campaign.todo import KINDS as CAMPAIGN_TODO
        from .fund.models import DiscussionMeeting, Expenditure, FundProject
        from .fund.participation import MeetingSignup, Opinion, Support
        from .fund.search import KINDS as FUND_KINDS
        from .fund.todo import KINDS as FUND_TODO

        # 美丽约定: the ledger trigger (re)made after every migrate; households' rooms masked.
        post_migrate.connect(triggers.ensure_after_migrate, dispatch_uid="ledger-trigger")
        register_community_link("美丽约定与积分", "agreements:community")
        register_personal(Account, mask=["room"])
        register_personal(Pet)

        # 自治金: proposers, payees and minutes may name people; supports and opinions name
        # households.
        for model in (FundProject, Expenditure, DiscussionMeeting, Support, Opinion, MeetingSignup):
            register_personal(model)
        register_community_link("自治金项目", "fund:community")
        register_kind(*FUND_KINDS)
        register_todo(*FUND_TODO)  # notices ending, projects waiting for a meeting or 立项

        # 和美楼组: inspectors are named on inspections; overdue 整改 are on the staff's 待办.
        register_personal(Inspection)
        register_todo(*CAMPAIGN_TODO)
