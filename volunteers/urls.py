from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("communities/<int:pk>/", views.CommunityLeadersView.as_view(), name="community"),
]
