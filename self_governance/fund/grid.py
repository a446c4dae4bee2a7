"""A year's 自治金 allocations as one grid: every community of the user's scope on one page,
with last year's amount beside this year's and a 照去年填写 link that fills the grid with it.
The street office sets allocations; one POST saves them all or none."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from jinhai.imports import cells
from jinhai.scoping import Scope

from . import selectors, services


def _year(request) -> int:
    raw = request.POST.get("year") or request.GET.get("year") or ""
    try:
        year = int(raw)
    except ValueError:
        return timezone.localdate().year + 1  # allocations are set for the coming year
    return min(max(year, 2000), 2100)


def _plain(amount) -> str:
    """An amount as a field's value: 200000 or 1500.5, whatever the database returned."""
    if amount is None:
        return ""
    return format(Decimal(str(amount)).quantize(Decimal("0.01")).normalize(), "f")


def allocation_year_view(model_admin, request):
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    year = _year(request)
    communities = Scope.for_user(request.user).filter(Community.objects.all())
    rows = list(selectors.allocation_grid(communities, year))
    copy = request.GET.get("copy") == "1"
    errors = []
    for row in rows:
        row.value = _plain(row.last_amount if copy and row.amount is None else row.amount)
    if request.method == "POST":
        amounts = {}
        for row in rows:
            raw = request.POST.get(f"amount_{row.pk}", "")
            try:
                amounts[row] = cells.amount(raw)
            except ValueError as exc:
                errors.append(f"{row.name}:{exc}")
            row.value = raw
        if not errors:
            try:
                changed = services.allocations_set(year=year, amounts=amounts)
            except ValidationError as exc:
                errors = exc.messages
            else:
                for allocation in changed:
                    model_admin.log_change(request, allocation, f"下达 {allocation.amount} 元")
                model_admin.message_user(
                    request, f"已保存 {year} 年度自治金额度:{len(changed)} 个社区有变动。"
                )
                url = reverse("admin:self_governance_fundallocation_year")
                return redirect(f"{url}?year={year}")
        for error in errors:
            model_admin.message_user(request, error, messages.ERROR)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{year} 年度自治金额度",
        "opts": model_admin.model._meta,
        "year": year,
        "rows": rows,
        "copied": copy,
        "has_last": any(row.last_amount is not None for row in rows),
    }
    return TemplateResponse(request, "admin/self_governance/fundallocation/year.html", context)
