from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = "两长队伍与志愿服务"

    def ready(self):
        from communities.sections import register_community_link

        register_community_link("楼组长与街面长", "volunteers:community")

        from jinhai.search import register_kind

        from .search import KINDS

        register_kind(*KINDS)

        from jinhai.audit import register_personal

        from .models import ActivitySignup, Appointment, Attendance, Participation, Volunteer

        register_personal(Volunteer, mask=["mobile"])
        for model in (Appointment, Attendance, Participation, ActivitySignup):
            register_personal(model)

        from jinhai.todo import register_todo

        from .todo import KINDS as TODO

        register_todo(*TODO)
