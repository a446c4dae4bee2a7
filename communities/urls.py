from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("", views.CommunityListView.as_view(), name="list"),
    path("<int:pk>/", views.CommunityDetailView.as_view(), name="detail"),
]
