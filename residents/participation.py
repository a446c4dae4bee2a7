"""A household takes part in the fund from 我的: proposes a project (居民提议) and supports (附议)
or withdraws its support of one. Plain POST forms with CSRF; each write goes through the fund's
services, fetched for the session's household (`session.household_or_404`)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from self_governance.fund import services as fund
from self_governance.fund.models import FundProject

from . import session
from .forms import ProposalForm
from .views import private


@private
def proposal_new(request):
    """GET: the proposal form; POST: submit it (it waits for staff before anyone else sees it)."""
    household = session.household_or_404(request)
    form = ProposalForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund.proposal_submit(
                household=household,
                title=data["title"],
                category=data["category"],
                compound=data["compound"],
                description=data["description"],
                amount=data["amount"],
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc)
            for field, errors in getattr(exc, "error_dict", {}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "提议已提交,工作人员审核后公开。")
            return redirect("residents:my")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "residents/proposal_form.html",
        {"form": form, "household": household},
        status=status,
    )


def _support(request, pk, write, done):
    household = session.household_or_404(request)
    project = get_object_or_404(
        FundProject.objects.reviewed(), pk=pk, community=household.community_id
    )
    try:
        write(project=project, household=household)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    else:
        messages.success(request, f"{done}“{project.title}”。")
    return redirect("residents:my")


@private
@require_POST
def support(request, pk):
    return _support(request, pk, fund.support_add, "已附议")


@private
@require_POST
def support_withdraw(request, pk):
    return _support(request, pk, fund.support_withdraw, "已撤回对此项目的附议:")
