from django.urls import path

from . import views

app_name = "fund"

urlpatterns = [
    path("", views.FundOverviewView.as_view(), name="overview"),
    path("communities/<int:pk>/", views.FundCommunityView.as_view(), name="community"),
    path("projects/<int:pk>/", views.FundProjectView.as_view(), name="project"),
]
