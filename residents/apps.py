from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    """The resident side (我的, /my/): a household with its code sees its own points and pets. It
    sits on top of the apps, like the root urls: it reads every app, no app reads it."""

    name = "residents"
    verbose_name = "居民参与"

    def ready(self):
        from communities.models import Household, HouseholdSession
        from jinhai.audit import register_personal

        register_personal(Household, mask=["room"], exclude=["code_hash"])
        register_personal(HouseholdSession, exclude=["key_hash"])
