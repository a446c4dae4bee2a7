"""One round of 和美 checks as a score grid: the campaign's standard items across, one
community's enrolled building groups down, one POST for all of them (self_governance/campaign).

A page shows one community's groups at a time, so that neither the page nor the fields it posts
grow with the subdistrict."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from communities.models import Community
from jinhai.imports import cells
from jinhai.scoping import Scope

from . import services
from .models import Campaign, Enrollment, Inspection, InspectionKind, InspectionScore


def _int(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _score(raw: str) -> Decimal | None:
    raw = cells.halfwidth(raw.strip()).removesuffix("分")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(f"“{raw}”不是分数。") from None
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError(f"分数最多一位小数:{raw}。")
    return value


def inspection_grid_view(model_admin, request):
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    scope = Scope.for_user(request.user)
    params = request.POST if request.method == "POST" else request.GET
    campaigns = scope.filter(Campaign.objects.all()).order_by("-year", "name")
    campaign = campaigns.filter(pk=_int(params.get("campaign"))).first() or campaigns.first()
    if campaign is None:
        raise Http404("还没有创建活动。")
    enrollments = scope.filter(Enrollment.objects.filter(campaign=campaign))
    communities = list(
        scope.filter(Community.objects.all())
        .filter(compounds__building_groups__enrollments__campaign=campaign)
        .distinct()
        .order_by("sort_order", "name")
    )
    community = next(
        (c for c in communities if c.pk == _int(params.get("community"))),
        communities[0] if communities else None,
    )
    rows = list(
        enrollments.filter(building_group__compound__community=community)
        .select_related("building_group__compound")
        .order_by("building_group__compound__name", "building_group__name")
    )
    standards = list(campaign.standards.order_by("sort_order", "pk"))
    kind = params.get("kind") or (
        InspectionKind.STREET if scope.is_street_level else InspectionKind.SELF
    )
    if kind not in InspectionKind.values:
        kind = InspectionKind.SELF
    try:
        date = cells.date(params.get("date")) or timezone.localdate()
    except ValueError:
        date = timezone.localdate()
    inspector = params.get("inspector", "").strip()
    errors = []
    if request.method == "POST":
        scores, findings = {}, {}
        for row in rows:
            scores[row] = {}
            for standard in standards:
                try:
                    value = _score(request.POST.get(f"s_{row.pk}_{standard.pk}", ""))
                except ValidationError as exc:
                    errors.append(f"{row.building_group.name} {standard.name}:{exc.messages[0]}")
                    continue
                if value is not None:
                    scores[row][standard] = value
            findings[row] = request.POST.get(f"f_{row.pk}", "").strip()
        if not inspector:
            errors.append("请填写检查人。")
        if not errors:
            try:
                made, written = services.inspections_record(
                    kind=kind, date=date, inspector=inspector, scores=scores, findings=findings
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                model_admin.message_user(
                    request, f"已保存:新建检查 {made} 次,写入得分 {written} 项。"
                )
                query = {"campaign": campaign.pk, "kind": kind, "date": date.isoformat()}
                if community is not None:
                    query["community"] = community.pk
                url = reverse("admin:self_governance_inspection_grid")
                return redirect(f"{url}?{urlencode(query)}")
        for error in errors:
            model_admin.message_user(request, error, messages.ERROR)
    _fill(rows, standards, kind, date, request.POST if errors else None)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"检查打分:{campaign}",
        "opts": model_admin.model._meta,
        "campaign": campaign,
        "campaigns": campaigns,
        "community": community,
        "communities": communities,
        "standards": standards,
        "rows": rows,
        "kinds": InspectionKind.choices,
        "kind": kind,
        "date": date,
        "inspector": inspector,
    }
    return TemplateResponse(request, "admin/self_governance/inspection/grid.html", context)


def _fill(rows, standards, kind, date: datetime.date, posted) -> None:
    """Each row's cells: what was posted (after a refusal) or the scores already given that
    day, in the standards' order. Two queries."""
    inspections = {
        i.enrollment_id: i
        for i in Inspection.objects.filter(enrollment__in=rows, kind=kind, date=date)
    }
    given = {
        (s.inspection.enrollment_id, s.standard_id): s.score
        for s in InspectionScore.objects.filter(inspection__in=inspections.values())
        .select_related("inspection")
        .only("score", "standard_id", "inspection__enrollment_id")
    }
    for row in rows:
        row.cells = []
        for standard in standards:
            name = f"s_{row.pk}_{standard.pk}"
            value = posted.get(name, "") if posted else given.get((row.pk, standard.pk), "")
            row.cells.append((name, value, standard))
        found = inspections.get(row.pk)
        saved = found.findings if found else ""
        row.findings = posted.get(f"f_{row.pk}", "") if posted else saved
