from django.urls import path

from . import participation, views

app_name = "residents"

meetings, activities = {"kind": "meetings"}, {"kind": "activities"}

urlpatterns = [
    path("", views.my, name="my"),
    path("claim/", views.claim, name="claim"),
    path("logout/", views.logout, name="logout"),
    path("pets/", views.pet, name="pet_add"),
    path("pets/<int:pk>/", views.pet, name="pet_change"),
    path("take-part/", participation.take_part, name="take_part"),
    path("proposals/new/", participation.proposal_new, name="proposal_new"),
    path("projects/<int:pk>/support/", participation.support, name="support"),
    path("projects/<int:pk>/withdraw/", participation.support_withdraw, name="support_withdraw"),
    path("projects/<int:pk>/opinion/", participation.opinion, name="opinion"),
    path("meetings/<int:pk>/sign-up/", participation.signup, meetings, "meeting_signup"),
    path("meetings/<int:pk>/cancel/", participation.signup_cancel, meetings, "meeting_cancel"),
    path("activities/<int:pk>/sign-up/", participation.signup, activities, "activity_signup"),
    path("activities/<int:pk>/cancel/", participation.signup_cancel, activities, "activity_cancel"),
]
