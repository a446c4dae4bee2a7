from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "社会组织与社工站"

    def ready(self):
        from communities.sections import register_community_link

        register_community_link("社会组织与社工站", "orgs:community")

        from jinhai.search import register_kind

        from .search import KINDS

        register_kind(*KINDS)

        from jinhai.audit import register_personal

        from .models import SocialOrganization

        # The legal representative's name and a staff-only mobile number.
        register_personal(SocialOrganization, mask=["contact_mobile"])

        from jinhai.todo import register_todo

        from .todo import KINDS as TODO

        register_todo(*TODO)
