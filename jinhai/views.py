from django.views.generic import TemplateView

from communities.models import Community, Subdistrict


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subdistricts"] = list(Subdistrict.objects.with_figures())
        context["communities"] = list(Community.objects.select_related("subdistrict").with_counts())
        return context
