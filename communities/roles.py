"""The three staff groups and their Django permissions.

Groups carry *what* a user may do (view/add/change/delete, and so import/export); the user's
StaffProfile carries *where* (a subdistrict or one community). Both are needed: a user with no
profile reaches no rows whatever their group.
"""

from django.apps import apps

STREET_STAFF = "街道工作人员"
COMMUNITY_STAFF = "居委会工作人员"
READ_ONLY = "只读人员"

# Apps whose models the portal's staff work with.
PORTAL_APPS = ("communities", "volunteers", "self_governance", "orgs")

# Models only street staff may create or delete: the places above a community's own records.
STREET_ONLY = {
    ("communities", "subdistrict"),
    ("communities", "community"),
    # How much a community may spend is the street office's decision.
    ("self_governance", "fundallocation"),
}
# Never editable by either staff group: who works where is a system administrator's business.
ADMIN_ONLY = {("communities", "staffprofile"), ("communities", "role")}
# Permissions outside the portal apps, by group: reading who looked at personal data (查阅记录,
# jinhai.admin_audit) is the street office's oversight, not the watched colleagues'.
EXTRA_PERMISSIONS = {STREET_STAFF: [("jinhai", "accessrecord", "view_accessrecord")]}


def _wanted_codenames(model, group):
    key = (model._meta.app_label, model._meta.model_name)
    name = model._meta.model_name
    if key in ADMIN_ONLY:
        # Roles are reference data every staff user reads; staff placements nobody but admins.
        return {f"view_{name}"} if key == ("communities", "role") else set()
    if group == READ_ONLY:
        return {f"view_{name}"}
    if group == COMMUNITY_STAFF and key in STREET_ONLY:
        # Community staff read their subdistrict and keep their own community's contact details.
        return (
            {f"view_{name}", f"change_{name}"}
            if key == ("communities", "community")
            else {f"view_{name}"}
        )
    return {f"{action}_{name}" for action in ("view", "add", "change", "delete")}


def sync_staff_groups():
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for group_name in (STREET_STAFF, COMMUNITY_STAFF, READ_ONLY):
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for app_label in PORTAL_APPS:
            try:
                app_config = apps.get_app_config(app_label)
            except LookupError:
                continue
            for model in app_config.get_models():
                ct = ContentType.objects.get_for_model(model)
                codenames = _wanted_codenames(model, group_name)
                wanted.extend(Permission.objects.filter(content_type=ct, codename__in=codenames))
        for app_label, model_name, codename in EXTRA_PERMISSIONS.get(group_name, []):
            wanted.extend(
                Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model_name,
                    codename=codename,
                )
            )
        group.permissions.set(wanted)


def sync_staff_groups_after_migrate(sender, app_config=None, **kwargs):
    # post_migrate fires once per app that has models, after that app's permissions exist; syncing
    # at each portal app is idempotent and the last one sees every model.
    if app_config is not None and app_config.label in PORTAL_APPS:
        sync_staff_groups()
