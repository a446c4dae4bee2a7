from django.urls import path

from . import views

app_name = "self_governance"

urlpatterns = [
    path("", views.SchemeListView.as_view(), name="list"),
    path("<int:pk>/", views.SchemeDetailView.as_view(), name="detail"),
    path("communities/<int:community>/", views.SchemeListView.as_view(), name="community"),
]
