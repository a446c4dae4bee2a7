from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.my, name="my"),
    path("claim/", views.claim, name="claim"),
    path("logout/", views.logout, name="logout"),
    path("pets/", views.pet, name="pet_add"),
    path("pets/<int:pk>/", views.pet, name="pet_change"),
]
