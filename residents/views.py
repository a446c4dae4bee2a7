"""我的 (/my/): a household with its code sees its own room, points and pets, and nothing of any
other household; what it takes part in is on 参与议事 (`participation.py`). Every view fetches
for the request's household (`session.household_or_404`). None is cached by the browser or a
proxy, and each says so (`Cache-Control: private, no-store`); the two pages a household reads
(我的 and 参与议事) are kept server-side for that household alone until its community's data
changes (`household_page`)."""

from functools import wraps

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_POST

from communities import codes
from jinhai import caching
from self_governance.agreements import services as agreements
from self_governance.agreements.models import Pet
from self_governance.agreements.selectors import household_points

from . import ratelimit, session
from .forms import ClaimForm, PetForm


def private(view):
    """Never cached anywhere: what a household sees is its own."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        patch_vary_headers(response, ["Cookie"])
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def claim_page(request, form, *, status=200, until=None):
    return render(request, "residents/claim.html", {"form": form, "until": until}, status=status)


def household_page(view):
    """A page of the session's household, served from the household page cache when nothing it
    shows has changed (`jinhai.caching.household_page`), or the form to type the code. The view
    is called as `view(request, household, template_context)` and puts the context into its
    template's: it holds the stand-in for the CSRF token of a page to be cached."""

    @wraps(view)
    def page(request):
        current = session.household_session(request)
        if current is None:
            return claim_page(request, ClaimForm())

        def render_page(csrf_token):
            household = session.household_or_404(request)
            return view(request, household, {"csrf_token": csrf_token} if csrf_token else {})

        return caching.household_page(
            request,
            household_id=current.household_id,
            community_id=current.community_id,
            render=render_page,
        )

    return page


@private
@household_page
def my(request, household, context):
    """The household's points and pets."""
    return render(
        request,
        "residents/my.html",
        {
            **context,
            "household": household,
            "schemes": household_points(household),
            "pets": list(household.pets.order_by("name")),
            "pet_form": PetForm(),
        },
    )


@private
def claim(request):
    """GET: the form, filled in from the card's QR link; POST: open the household's session."""
    if request.method != "POST":
        return claim_page(request, ClaimForm(initial={"code": request.GET.get("code", "")[:30]}))
    address = get_client_ip_address(request) or "unknown"
    until = ratelimit.blocked_until(address)
    form = ClaimForm(request.POST)
    if until is not None:
        form.is_valid()
        return claim_page(request, form, status=429, until=until)
    household = codes.household_by_code(form.data.get("code", "")) if form.is_valid() else None
    if household is None:
        ratelimit.count_wrong(address)
        if form.is_valid():
            form.add_error("code", "户码不正确,请核对卡片上的 15 位数字。")
        return claim_page(request, form, status=400)
    response = redirect("residents:my")
    session.start(response, household)
    return response


@private
@require_POST
def logout(request):
    response = redirect("residents:my")
    session.end(request, response)
    return response


@private
@require_POST
def pet(request, pk=None):
    """Register a pet (no pk) or update one of this household's; staff confirm it afterwards."""
    household = session.household_or_404(request)
    instance = get_object_or_404(Pet, pk=pk, household=household) if pk else None
    form = PetForm(request.POST, instance=instance)
    if not form.is_valid():
        messages.error(request, "宠物信息有误:" + ";".join(
            f"{form.fields[f].label if f in form.fields else ''}{' '.join(e)}"
            for f, e in form.errors.items()
        ))  # fmt: skip
        return redirect("residents:my")
    data = form.cleaned_data
    agreements.pet_register(
        household=household,
        name=data["name"],
        kind=data["kind"],
        registered_on=data.get("registered_on"),
        vaccinated_on=data.get("vaccinated_on"),
        pet=instance,
    )
    messages.success(request, "已提交,工作人员确认后生效。")
    return redirect("residents:my")
