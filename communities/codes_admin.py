"""The admin's way to make household codes: an action on building groups, compounds, street zones
and households that asks first (new codes end the old ones), then answers with the print page of
the cards. The codes are on that page only: it is never stored, cached or shown again."""

from django.contrib import messages
from django.http import HttpResponse
from django.template.response import TemplateResponse

from jinhai.scoping import Scope

from . import cards, codes
from .household import Household

PERMISSION = "communities.change_household"


def issue_codes_action(name: str, description: str, households_of):
    """An admin action issuing codes for `households_of(queryset)` (a Household queryset)."""

    def action(modeladmin, request, queryset):
        if not request.user.has_perm(PERMISSION):
            modeladmin.message_user(request, "没有生成户码的权限。", messages.ERROR)
            return None
        households = Scope.for_user(request.user).filter(
            households_of(queryset)
            .with_address()
            .order_by("building_group__compound__name", "building_group__name", "room", "shop_name")
        )
        if "apply" not in request.POST:
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": "生成户码",
                "opts": modeladmin.model._meta,
                "selected": queryset,
                "count": households.count(),
                "renewing": households.filter(code_hash__isnull=False).count(),
                "action": request.POST.get("action", ""),
            }
            return TemplateResponse(request, "admin/communities/issue_codes.html", context)
        issued = codes.codes_issue(households=households, by=request.user)
        if not issued:
            modeladmin.message_user(request, "所选范围内没有住户或商铺。", messages.WARNING)
            return None
        rows = cards.cards(issued, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(cards.cards_html(rows, request=request))
        response["Cache-Control"] = "private, no-store"
        return response

    action.__name__ = name
    action.short_description = description
    action.allowed_permissions = ("change",)
    return action


for_households = issue_codes_action(
    "for_households", "为所选住户生成(更换)户码并打印", lambda qs: qs
)
for_groups = issue_codes_action(
    "for_groups",
    "为所选楼组的全部住户生成户码并打印",
    lambda qs: Household.objects.filter(building_group__in=qs),
)
for_compounds = issue_codes_action(
    "for_compounds",
    "为所选小区的全部住户生成户码并打印",
    lambda qs: Household.objects.filter(building_group__compound__in=qs),
)
for_zones = issue_codes_action(
    "for_zones",
    "为所选街面的全部商铺生成户码并打印",
    lambda qs: Household.objects.filter(street_zone__in=qs),
)
