from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.SchemeListView.as_view(), name="list"),
    path("<int:pk>/", views.SchemeDetailView.as_view(), name="detail"),
    path("communities/<int:community>/", views.SchemeListView.as_view(), name="community"),
]
