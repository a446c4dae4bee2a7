from django.urls import path

from . import participation, views

app_name = "residents"

urlpatterns = [
    path("", views.my, name="my"),
    path("claim/", views.claim, name="claim"),
    path("logout/", views.logout, name="logout"),
    path("pets/", views.pet, name="pet_add"),
    path("pets/<int:pk>/", views.pet, name="pet_change"),
    path("proposals/new/", participation.proposal_new, name="proposal_new"),
    path("projects/<int:pk>/support/", participation.support, name="support"),
    path("projects/<int:pk>/withdraw/", participation.support_withdraw, name="support_withdraw"),
]
