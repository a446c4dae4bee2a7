from django.urls import path

from . import views

app_name = "orgs"

# Two public sections, /organizations/ and /stations/, in one namespace: the root urls include
# this module once, at the site root.
urlpatterns = [
    path("organizations/", views.OrganizationListView.as_view(), name="list"),
    path("organizations/<int:pk>/", views.OrganizationDetailView.as_view(), name="detail"),
    path("organizations/news/", views.NewsView.as_view(), name="news"),
    path(
        "organizations/communities/<int:pk>/",
        views.CommunityOrganizationsView.as_view(),
        name="community",
    ),
    path("stations/", views.StationListView.as_view(), name="stations"),
    path("stations/map/", views.StationMapView.as_view(), name="station_map"),
    path("stations/map/<int:pk>.json", views.station_markers, name="station_markers"),
    path("stations/<int:pk>/", views.station, name="station"),
]
