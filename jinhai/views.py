from itertools import groupby

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Count, Min, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.generic import TemplateView

from communities.models import Community, Subdistrict
from orgs.selectors import with_org_figures
from volunteers.selectors import with_leader_figures

from . import search, summaries, todo
from .caching import SITE, Place, cache_public, subdistrict_shown
from .charts import workbook
from .db import built_once
from .figures import Years, charts_from, dashboard_scope, portal_charts
from .jobs import services as jobs
from .jobs.models import JobKind
from .paging import CITY_ROWS


@built_once
def _subdistricts_with_figures():
    """Subdistricts with the figures their page shows (twelve subqueries)."""
    return with_org_figures(with_leader_figures(Subdistrict.objects.with_figures()))


def subdistrict_page(subdistrict_id):
    """A subdistrict's figures and its communities (two queries), or None if there is none."""
    subdistrict = _subdistricts_with_figures().filter(pk=subdistrict_id).first()
    if subdistrict is None:
        return None
    return {
        "subdistrict": subdistrict,
        "communities": list(Community.objects.filter(subdistrict=subdistrict).with_counts()),
    }


def _subdistricts_by_name():
    return Subdistrict.objects.annotate(n_communities=Count("communities")).order_by(
        "city", "district", "name", "pk"
    )


@cache_public
class HomeView(TemplateView):
    """The city's subdistricts by district; past CITY_ROWS of them, a city's, its districts, each
    a page of its subdistricts; where there is only one, that subdistrict's page: a street
    office's portal opens on its own figures."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Read one past the bound: enough to know which page this is, whatever the city's size.
        subdistricts = list(_subdistricts_by_name()[: CITY_ROWS + 1])
        if len(subdistricts) == 1:
            context.update(subdistrict_page(subdistricts[0].pk))
            return context
        if len(subdistricts) > CITY_ROWS:
            context["district_rows"] = district_rows()
            return context
        context["subdistricts"] = subdistricts
        context["districts"] = [
            (district, list(members))
            for district, members in groupby(subdistricts, key=lambda s: (s.city, s.district))
        ]
        return context


def district_rows():
    """The city's districts (区) with their subdistricts and communities counted (one query). A
    district is the text its subdistricts name (`Subdistrict.city`, `.district`); its page is
    named by its first subdistrict's id, so no text typed by staff goes into a URL."""
    return list(
        Subdistrict.objects.values("city", "district")
        .annotate(
            first=Min("pk"),
            n_subdistricts=Count("pk", distinct=True),
            n_communities=Count("communities"),
        )
        .order_by("city", "district")
    )


@cache_public
class DistrictsView(TemplateView):
    """`/districts/`: the city's districts."""

    template_name = "districts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            district_rows=district_rows(), crumbs=[("各区", None)], **kwargs
        )


@cache_public(params=("page",))
class DistrictView(TemplateView):
    """`/districts/<pk>/`: the district of subdistrict <pk>, its subdistricts thirty a page (a
    page number out of range shows the nearest page)."""

    template_name = "district.html"

    def get_context_data(self, **kwargs):
        same = Subdistrict.objects.filter(pk=kwargs["pk"])
        subdistricts = _subdistricts_by_name().filter(
            city=Subquery(same.values("city")), district=Subquery(same.values("district"))
        )
        page = Paginator(subdistricts, 30).get_page(self.request.GET.get("page"))
        if not page.object_list:
            raise Http404("没有这个区。")
        name = district_name(page.object_list[0])
        return super().get_context_data(
            name=name,
            subdistricts=page.object_list,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            crumbs=[("各区", reverse("districts")), (name, None)],
            **kwargs,
        )


def district_name(subdistrict) -> str:
    return f"{subdistrict.city}{subdistrict.district or '其他'}"


@cache_public(shows=subdistrict_shown("pk"))
class SubdistrictView(TemplateView):
    """One subdistrict: its figures and its communities."""

    template_name = "subdistrict.html"

    def get_context_data(self, **kwargs):
        page = subdistrict_page(kwargs["pk"])
        if page is None:
            raise Http404("没有这个街道。")
        subdistrict = page["subdistrict"]
        # Any subdistrict of a district names its page: this one's is one query fewer.
        crumbs = [
            (district_name(subdistrict), reverse("district", args=[subdistrict.pk])),
            (subdistrict.name, None),
        ]
        return super().get_context_data(**page, crumbs=crumbs, **kwargs)


def locked_out(request, response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): in the admin's frame,
    saying in Shanghai time when the lock ends. The lock runs from the last wrong password
    (axes records no attempt while it refuses one), so that is where it is counted from."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit
    from axes.models import AccessAttempt

    username = get_client_username(request, credentials) or ""
    attempts = AccessAttempt.objects.filter(username=username)
    address = getattr(request, "axes_ip_address", None)
    if address:
        attempts = attempts.filter(ip_address=address)
    last = attempts.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
    cool_off = get_cool_off(request)
    until = timezone.localtime((last or timezone.now()) + cool_off) if cool_off else None
    context = {
        **admin.site.each_context(request),
        "title": "登录已暂停",
        "failure_limit": get_failure_limit(request, credentials),
        "until": until,
        "until_today": until is not None and until.date() == timezone.localdate(),
    }
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def healthz(request):
    """For a load balancer or a monitor: the web process answers. It touches no database, so it
    stays cheap under load and says nothing about PostgreSQL."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@cache_public(params=("q",))
class SearchView(TemplateView):
    """/search/?q=: names across the public site, grouped by kind (see jinhai.search)."""

    template_name = "search.html"

    def get_context_data(self, **kwargs):
        query = search.parse(self.request.GET.get("q"))
        groups = search.run(query) if query.runnable else []
        return super().get_context_data(
            query=query,
            # Nothing typed yet is no mistake: the page just asks for a name.
            asked="q" in self.request.GET,
            groups=groups,
            total=sum(g.total for g in groups),
            max_length=search.MAX_LENGTH,
            crumbs=[("搜索", None)],
            **kwargs,
        )


def _subdistrict_asked(params) -> int | None:
    try:
        pk = int(params.get("subdistrict"))
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def _figures_shown(request, kwargs):
    pk = _subdistrict_asked(request.GET)
    return Place(subdistrict_id=pk) if pk else SITE


@cache_public(
    params=("fund_year", "inspection_year", "format", "subdistrict"), shows=_figures_shown
)
class FiguresView(TemplateView):
    """The portal's charts for a scope, as a page or, with `?format=xlsx`, as a spreadsheet.

    The public page counts everything, or one subdistrict's rows with `?subdistrict=` (what a
    subdistrict's page links to: a city's figures are read per subdistrict), and shows only
    totals; the staff dashboard counts the user's scope and shows the charts whose figures the
    user may view.
    """

    template_name = "figures.html"
    export_name = "金海数据"
    places = []  # the subdistricts whose rows the charts show, when they are a city's

    @classmethod
    def shows(cls, chart, user) -> bool:
        return True

    @classmethod
    def figures(cls, user, params) -> tuple[Years, list]:
        """The years asked for (`fund_year`, `inspection_year`) and the charts the user sees."""
        return cls.figures_read(user, params)[:2]

    @classmethod
    def figures_read(cls, user, params) -> tuple[Years, list, bool, list]:
        """(years, charts, fresh, subdistricts): the last is [(pk, name)] where the charts
        have a row per subdistrict (a city's), each a link to its own per-community figures."""
        # The public page reads the subdistricts' summaries (jinhai.summaries), never the rows.
        found = summaries.read(
            subdistrict_id=_subdistrict_asked(params),
            fund=params.get("fund_year"),
            inspection=params.get("inspection_year"),
        )
        charts = [c for c in charts_from(found.facts, found.years) if cls.shows(c, user)]
        places = []
        if found.facts.place == "街道":
            places = [(row["pk"], row["name"]) for row in found.facts.communities]
        return found.years, charts, found.fresh, places

    @classmethod
    def spreadsheet(cls, years, charts) -> tuple[str, bytes]:
        """The charts as a workbook: (file name, content)."""
        return f"{cls.export_name}_{years.fund}.xlsx", workbook(charts, title=cls.export_name)

    def get(self, request, *args, **kwargs):
        self.years, self.charts, fresh, self.places = self.figures_read(request.user, request.GET)
        response = self.respond(request, *args, **kwargs)
        if not fresh:
            # Stale summaries (a refresh is queued): shown, but not kept in the page cache.
            patch_cache_control(response, no_store=True)
        return response

    def respond(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            name, content = self.spreadsheet(self.years, self.charts)
            response = HttpResponse(
                content,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=name
            )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        crumbs = [("数据公开", None)]
        pk = _subdistrict_asked(self.request.GET)
        subdistrict = Subdistrict.objects.filter(pk=pk).first() if pk else None
        if subdistrict is not None:
            crumbs = [("数据公开", reverse("figures")), (subdistrict.name, None)]
        context = {
            "charts": self.charts,
            "years": self.years,
            "crumbs": crumbs,
            "places": self.places,
            "subdistrict_pk": subdistrict.pk if subdistrict else None,
            **kwargs,  # the dashboard's own
        }
        return super().get_context_data(**context)


class DashboardView(FiguresView):
    """数据看板 in the admin: the same charts over the staff user's own communities. Its
    workbook is a background job (jobs.handlers.figures): over a whole city it takes a while."""

    template_name = "admin/figures_dashboard.html"
    export_name = "数据看板"

    @classmethod
    def shows(cls, chart, user) -> bool:
        return user.has_perm(chart.permission)

    @classmethod
    def figures(cls, user, params, picked=None) -> tuple[Years, list]:
        # Counted from the rows of the user's own scope, which summaries per subdistrict miss
        # (a superuser's over a city: one subdistrict at a time, see dashboard_scope).
        scope = (picked or dashboard_scope(user, params)).scope
        years = Years.pick(
            scope, fund=params.get("fund_year"), inspection=params.get("inspection_year")
        )
        return years, [c for c in portal_charts(scope, years) if cls.shows(c, user)]

    def get(self, request, *args, **kwargs):
        self.picked = dashboard_scope(request.user, request.GET)
        self.years, self.charts = self.figures(request.user, request.GET, self.picked)
        return TemplateView.get(self, request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # 导出 Excel: queued (jinhai.jobs.handlers.figures makes it), and the user is taken to
        # the job's page.
        years = {
            k: str(request.POST[k])[:20]
            for k in ("fund_year", "inspection_year", "subdistrict")
            if k in request.POST
        }
        job = jobs.start(
            JobKind.FIGURES, user=request.user, title=f"{self.export_name} Excel", params=years
        )
        return redirect(jobs.job_url(job))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **admin.site.each_context(self.request),
            title="数据看板",
            picker=self.picked.picker,
            subdistrict_pk=self.picked.subdistrict_pk,
            **kwargs,
        )


class WorkbenchView(TemplateView):
    """工作台, the admin's first page: the user's 待办 (jinhai.todo) above the admin's models."""

    template_name = "admin/index.html"

    def get_context_data(self, **kwargs):
        request = self.request
        return super().get_context_data(
            **admin.site.each_context(request),
            title=admin.site.index_title,
            subtitle=None,
            app_list=admin.site.get_app_list(request),
            todo=todo.for_user(request.user),
            **kwargs,
        )
