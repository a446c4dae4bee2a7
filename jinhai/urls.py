from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from . import views

if settings.ADMIN_OTP_REQUIRED:
    # django-otp's documented switch: the same site, asking for a verified device.
    from django_otp.admin import OTPAdminSite

    admin.site.__class__ = OTPAdminSite

admin.site.site_header = settings.PORTAL_NAME + " · 管理后台"
admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = "工作台"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("communities/", include("communities.urls")),
    path("leaders/", include("volunteers.urls")),
    path("", include("orgs.urls")),  # /organizations/ and /stations/
    path("agreements/", include("self_governance.urls")),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    # An admin page that belongs to no model: admin_view gives it the admin's login and checks.
    path("admin/figures/", admin.site.admin_view(views.DashboardView.as_view()), name="dashboard"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded photos; a deployment behind nginx serves MEDIA_ROOT itself and turns this off.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
