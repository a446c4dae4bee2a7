from django.views.generic import TemplateView

from communities.models import Community, Subdistrict
from orgs.selectors import with_org_figures
from volunteers.selectors import with_leader_figures


class HomeView(TemplateView):
    """The subdistrict's figures, computed from the rows; each app adds its annotations."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subdistricts"] = list(
            with_org_figures(with_leader_figures(Subdistrict.objects.with_figures()))
        )
        context["communities"] = list(Community.objects.select_related("subdistrict").with_counts())
        return context
