import secrets

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.module_loading import module_has_submodule

from communities.models import Community, StaffProfile, Subdistrict
from communities.roles import COMMUNITY_STAFF, STREET_STAFF, sync_staff_groups
from jinhai.caching import data_changed

DEMO_USERS = [
    # username, display name, group, place
    ("jinhai", "金海街道管理员", STREET_STAFF, "金海街道"),
    ("zhengxue", "正学社区工作人员", COMMUNITY_STAFF, "正学社区"),
]


class Command(BaseCommand):
    help = "载入金海街道演示数据(可重复运行,第二次运行不会改变任何数据)。"

    def handle(self, *args, **options):
        with transaction.atomic():
            # Each app that has a `demo` module contributes its part, in INSTALLED_APPS order, so
            # that later apps can build on the places the communities app has made.
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "demo"):
                    module = __import__(f"{app_config.name}.demo", fromlist=["load"])
                    self.stdout.write(f"{app_config.verbose_name}:")
                    module.load(stdout=self.stdout)
            sync_staff_groups()
            created = self._users()
            # The demo writes much of its data in bulk, which sends no model signals.
            data_changed()
        if connection.vendor == "postgresql":
            # Until autovacuum gets round to it, the planner takes the freshly filled tables for
            # empty: the search's leaders query ran 42 ms by nested loops instead of 1 ms.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS("演示数据已载入。"))
        for username, password in created:
            self.stdout.write(f"  新建账号 {username} 密码 {password}")

    def _users(self):
        User = get_user_model()
        Group = apps.get_model("auth", "Group")
        created = []
        for username, display, group_name, place in DEMO_USERS:
            user, made = User.objects.get_or_create(
                username=username, defaults={"first_name": display, "is_staff": True}
            )
            if made:
                password = secrets.token_urlsafe(10)
                user.set_password(password)
                user.save()
                created.append((username, password))
            else:
                self.stdout.write(
                    f"  账号 {username} 已存在,密码未改变(可用 changepassword 重置)。"
                )
            user.groups.add(Group.objects.get(name=group_name))
            if group_name == STREET_STAFF:
                place_fields = {"subdistrict": Subdistrict.objects.get(name=place)}
            else:
                place_fields = {"community": Community.objects.get(name=place)}
            StaffProfile.objects.update_or_create(
                user=user, defaults={"subdistrict": None, "community": None, **place_fields}
            )
        return created
