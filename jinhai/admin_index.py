"""The admin's index and side menu, grouped by the work the models serve."""

from django.contrib import admin

# The admin's index groups the models by the work they serve, not by app in code-point order.
# (heading, which models: an app label, or a module prefix for the rooms of self_governance)
TASK_GROUPS = [
    ("两长", ("volunteers",)),
    ("美丽约定", ("self_governance.agreements",)),
    ("自治金", ("self_governance.fund",)),
    ("和美楼组", ("self_governance.campaign",)),
    ("社会组织", ("orgs",)),
    ("社区与居委会", ("communities",)),
]
OTHER_GROUP = "系统"


def _task_of(model) -> str:
    for heading, owners in TASK_GROUPS:
        for owner in owners:
            if model._meta.app_label == owner or model.__module__.startswith(owner + "."):
                return heading
    return OTHER_GROUP


def task_app_list(site, request, app_label=None):
    """AdminSite.get_app_list, grouped by task (两长, 美丽约定 … 系统) on the index and in the
    side menu; an app's own page keeps its app's models."""
    apps_ = admin.AdminSite.get_app_list(site, request, app_label)
    if app_label is not None:
        return apps_
    headings = [heading for heading, _ in TASK_GROUPS] + [OTHER_GROUP]
    groups = dict.fromkeys(headings)
    for app in apps_:
        for model in app["models"]:
            heading = _task_of(model["model"])
            if groups[heading] is None:
                groups[heading] = {**app, "name": heading, "models": []}
            groups[heading]["models"].append(model)
    return [group for group in groups.values() if group is not None]


# An instance attribute, so that it outlives urls.py turning the site into django-otp's class.
admin.site.get_app_list = task_app_list.__get__(admin.site)
