"""参与议事 (/my/take-part/): a household proposes a 自治金 project (居民提议), supports (附议) or
withdraws its support of one, leaves an opinion (意见) on a notice (公示), and signs up (报名) for
a coming meeting or volunteer activity. Plain POST forms with CSRF that work without JavaScript;
each write goes through its app's services, on rows fetched for the session's household
(`session.household_or_404`), and 404s for anything else."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from communities import signups
from self_governance.fund import selectors as fund_selectors
from self_governance.fund import services as fund
from self_governance.fund.models import DiscussionMeeting, FundProject
from self_governance.fund.participation import OPINION_MAX_LENGTH, MeetingSignup
from volunteers.models import Activity, ActivitySignup

from . import session
from .forms import ProposalForm
from .views import household_page, private

# The events a household signs up for, by the kind in the URL.
EVENTS = {
    "meetings": (DiscussionMeeting, MeetingSignup),
    "activities": (Activity, ActivitySignup),
}


@private
@household_page
def take_part(request, household, context):
    """What the household may take part in now, and what it has done: its proposals, the
    projects it may support, the notices it may comment on, its opinions, and the meetings and
    activities it may sign up for. Without a household session, the form to type the code: the
    public pages link here."""
    return render(
        request,
        "residents/take_part.html",
        {
            **context,
            "household": household,
            "proposals": fund_selectors.household_proposals(household),
            **fund_selectors.open_to_households(household),
            "opinions": fund_selectors.household_opinions(household),
            "opinion_max_length": OPINION_MAX_LENGTH,
            "meetings": signups.for_household(DiscussionMeeting.objects, MeetingSignup, household),
            "activities": signups.for_household(Activity.objects, ActivitySignup, household),
            "max_people": signups.MAX_PEOPLE,
        },
    )


def _back(request, fragment=""):
    return redirect(reverse("residents:take_part") + fragment)


@private
@require_POST
def opinion(request, pk):
    """Leave an opinion on a notice of the household's community; staff publish it or not."""
    household = session.household_or_404(request)
    project = get_object_or_404(
        FundProject.objects.reviewed(), pk=pk, community=household.community_id
    )
    try:
        fund.opinion_submit(project=project, household=household, text=request.POST.get("text"))
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
        return _back(request, f"#notice-{pk}")
    messages.success(request, f"意见已提交,居委会审核后在“{project.title}”的公示页公开。")
    return _back(request)


def _event(request, kind, pk):
    household = session.household_or_404(request)
    events, signup_model = EVENTS[kind]
    event = get_object_or_404(events.objects, pk=pk, community=household.community_id)
    return household, event, signup_model


@private
@require_POST
def signup(request, kind, pk):
    """Sign up for a coming meeting or activity of the household's community, or change how
    many people come."""
    household, event, signup_model = _event(request, kind, pk)
    try:
        signups.signup_save(
            signups=signup_model,
            event=event,
            household=household,
            people=request.POST.get("people"),
        )
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
        return _back(request, f"#{kind}-{pk}")
    messages.success(request, f"已报名“{event}”。")
    return _back(request)


@private
@require_POST
def signup_cancel(request, kind, pk):
    household, event, signup_model = _event(request, kind, pk)
    try:
        cancelled = signups.signup_cancel(signups=signup_model, event=event, household=household)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
        return _back(request, f"#{kind}-{pk}")
    messages.success(request, f"已取消“{event}”的报名。" if cancelled else "本户没有报名。")
    return _back(request)


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
            return redirect("residents:take_part")
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
    return redirect("residents:take_part")


@private
@require_POST
def support(request, pk):
    return _support(request, pk, fund.support_add, "已附议")


@private
@require_POST
def support_withdraw(request, pk):
    return _support(request, pk, fund.support_withdraw, "已撤回对此项目的附议:")
