from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import media, views

if settings.ADMIN_OTP_REQUIRED:
    # django-otp's documented switch: the same site, asking for a verified device.
    from django_otp.admin import OTPAdminSite

    admin.site.__class__ = OTPAdminSite

admin.site.site_header = settings.PORTAL_NAME + " · 管理后台"
admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = "工作台"


def moved(route, pattern_name):
    """An address that has moved: printed notices and bookmarks still carry the old one."""
    return path(
        route, RedirectView.as_view(pattern_name=pattern_name, permanent=True, query_string=True)
    )


# Until December 2026 the fund's and the campaign's pages lived under /agreements/.
MOVED = [
    moved("agreements/fund/", "fund:overview"),
    moved("agreements/fund/communities/<int:pk>/", "fund:community"),
    moved("agreements/fund/projects/<int:pk>/", "fund:project"),
    moved("agreements/campaigns/<int:pk>/", "campaign:detail"),
    moved("agreements/contests/<int:pk>/", "campaign:contest"),
]

urlpatterns = MOVED + [
    path("", views.HomeView.as_view(), name="home"),
    path("districts/", views.DistrictsView.as_view(), name="districts"),
    path("districts/<int:pk>/", views.DistrictView.as_view(), name="district"),
    path("subdistricts/<int:pk>/", views.SubdistrictView.as_view(), name="subdistrict"),
    path("healthz/", views.healthz, name="healthz"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("communities/", include("communities.urls")),
    path("leaders/", include("volunteers.urls")),
    path("", include("orgs.urls")),  # /organizations/ and /stations/
    path("agreements/", include("self_governance.agreements.urls")),
    path("fund/", include("self_governance.fund.urls")),
    path("campaigns/", include("self_governance.campaign.urls")),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("my/", include("residents.urls")),
    # An admin page that belongs to no model: admin_view gives it the admin's login and checks.
    path("admin/figures/", admin.site.admin_view(views.DashboardView.as_view()), name="dashboard"),
    # The admin's index with the user's 待办 on top; `admin:index` still names this address.
    path("admin/", admin.site.admin_view(views.WorkbenchView.as_view()), name="workbench"),
    path("admin/", admin.site.urls),
]

# Uploaded photos, each checked against who asks (jinhai/media.py); in production the view hands
# the bytes to nginx or to a signed link, and MEDIA_ROOT is never served directly.
urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.serve, name="media")]
