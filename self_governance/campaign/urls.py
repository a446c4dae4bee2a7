from django.urls import path

from . import views

app_name = "campaign"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="list"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="detail"),
    path("contests/<int:pk>/", views.ContestDetailView.as_view(), name="contest"),
]
