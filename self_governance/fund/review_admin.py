"""Staff review of resident proposals (居民提议) in the project admin: take one into the process,
merge it into an existing project, or decline it with a reason the household sees. Every
decision goes through `services.proposal_accept` / `proposal_merge` / `proposal_decline`."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import services
from .models import FundProject, ProposalReview

DECISIONS = [
    ("accept", "采纳:进入征集,公开显示"),
    ("merge", "合并到已有项目"),
    ("decline", "不予采纳"),
]


class ProposalReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结果", choices=DECISIONS, widget=forms.RadioSelect)
    into = forms.ModelChoiceField(
        label="并入项目",
        queryset=FundProject.objects.none(),
        required=False,
        help_text="合并时选择:同一社区、同一年度已公开的项目。附议随之转入。",
    )
    reason = forms.CharField(
        label="说明或理由",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不予采纳时必填,提议住户会在“我的”中看到。",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            FundProject.objects.reviewed()
            .filter(community=project.community_id, year=project.year)
            .exclude(pk=project.pk)
            .order_by("title")
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "merge" and not data.get("into"):
            self.add_error("into", "合并须选择并入的项目。")
        return data


class ProposalReviewMixin:
    """The 审核提议 page of `FundProjectAdmin` and the list's 附议 and 提议 columns."""

    @admin.display(description="附议", ordering="n_supports")
    def supports_display(self, obj):
        return obj.n_supports

    @admin.display(description="居民提议", ordering="review")
    def review_display(self, obj):
        if not obj.review:
            return "—"
        if obj.review == ProposalReview.PENDING:
            url = reverse("admin:self_governance_fundproject_review", args=[obj.pk])
            return format_html('<a class="button" href="{}">审核</a>', url)
        return obj.get_review_display()

    def review_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="self_governance_fundproject_review",
            )
        ]

    def review_view(self, request, pk):
        project = self.get_object(request, str(pk))
        if not self.has_change_permission(request, project):
            raise PermissionDenied
        form = ProposalReviewForm(request.POST or None, project=project)
        pending = project.review == ProposalReview.PENDING
        if request.method == "POST" and pending and form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "accept":
                    services.proposal_accept(project=project, by=request.user, note=data["reason"])
                elif data["decision"] == "merge":
                    services.proposal_merge(
                        project=project, into=data["into"], by=request.user, note=data["reason"]
                    )
                else:
                    services.proposal_decline(
                        project=project, by=request.user, reason=data["reason"]
                    )
            except ValidationError as exc:
                self.message_user(request, "未审核:" + ";".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"“{project.title}”已审核。")
                return redirect("admin:self_governance_fundproject_change", project.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"审核居民提议:{project.title}",
            "opts": self.model._meta,
            "original": project,
            "form": form,
            "pending": pending,
            "proposed_by": project.proposer,
        }
        return TemplateResponse(request, "admin/self_governance/fundproject/review.html", context)
