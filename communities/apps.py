from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "社区与居委会"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import codes, roles  # noqa: F401  (codes: a deleted session leaves the cache)

        # After every migrate, so that a model added by any app gets its permissions into the
        # staff groups without anyone remembering to do it.
        post_migrate.connect(
            roles.sync_staff_groups_after_migrate, dispatch_uid="jinhai-staff-groups"
        )

        from jinhai.scoping import register_placement
        from jinhai.search import register_kind

        from .models import StaffProfile
        from .search import KINDS

        # Where a staff user works is this app's to say (it owns StaffProfile); Scope asks.
        register_placement(StaffProfile.placement_of)
        register_kind(*KINDS)

        from django.contrib.auth import get_user_model

        from jinhai.audit import register_personal

        from .models import CommitteeMember

        register_personal(CommitteeMember)
        register_personal(StaffProfile)
        register_personal(get_user_model(), exclude=["password", "last_login"])
