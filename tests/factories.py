import datetime

import factory
from django.contrib.auth import get_user_model

from communities.models import (
    BuildingGroup,
    CommitteeMember,
    Community,
    Compound,
    Election,
    Role,
    StaffProfile,
    StreetZone,
    Subdistrict,
)


class SubdistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subdistrict
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试街道{n}")
    district = "奉贤区"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    subdistrict = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")
    office_phone = factory.Sequence(lambda n: f"021-5{n % 10000000:07d}")
    office_address = factory.LazyAttribute(lambda o: f"{o.name}居委会")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"小区{n}")
    households = 300


class BuildingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuildingGroup

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Sequence(lambda n: f"{n}号楼")
    households = 24


class StreetZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreetZone

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"沿街商铺{n}")


class ElectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Election

    community = factory.SubFactory(CommunityFactory)
    date = datetime.date(2022, 6, 18)
    seats = 5
    eligible_voters = 2000
    ballots_cast = 1800


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember
        skip_postgeneration_save = True

    election = factory.SubFactory(ElectionFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    term_start = factory.SelfAttribute("election.date")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            codes = extracted or ["member"]
            self.roles.set(Role.objects.filter(code__in=codes))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-only")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "volunteers.Volunteer"

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"志愿者{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "volunteers.Appointment"

    volunteer = factory.SubFactory(VolunteerFactory)
    kind = "building"
    start = datetime.date(2022, 7, 15)
    selected_on = datetime.date(2022, 7, 15)


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "volunteers.Training"

    subdistrict = factory.SubFactory(SubdistrictFactory)
    title = factory.Sequence(lambda n: f"两长培训{n}")
    date = datetime.date(2022, 8, 20)
    mode = "offline"


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "volunteers.Attendance"

    training = factory.SubFactory(TrainingFactory)
    volunteer = factory.SubFactory(VolunteerFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "volunteers.Activity"

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"小区志愿服务{n}")
    kind = "compound"
    date = datetime.date(2022, 10, 1)


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "volunteers.Participation"

    activity = factory.SubFactory(ActivityFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    hours = 2
