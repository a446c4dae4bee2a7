from django.urls import path

from . import views

app_name = "self_governance"

urlpatterns = [
    path("", views.SchemeListView.as_view(), name="list"),
    path("<int:pk>/", views.SchemeDetailView.as_view(), name="detail"),
    path("communities/<int:community>/", views.SchemeListView.as_view(), name="community"),
    # 自治金 and the 和美 campaign.
    path("fund/", views.FundOverviewView.as_view(), name="fund"),
    path("fund/communities/<int:pk>/", views.FundCommunityView.as_view(), name="fund_community"),
    path("fund/projects/<int:pk>/", views.FundProjectView.as_view(), name="fund_project"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign"),
    path("contests/<int:pk>/", views.ContestDetailView.as_view(), name="contest"),
]
