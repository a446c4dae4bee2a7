import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from communities.models import (
    BuildingGroup,
    CommitteeMember,
    Community,
    Compound,
    Election,
    Household,
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


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    kind = "household"
    building_group = factory.SubFactory(BuildingGroupFactory)
    room = factory.Sequence(lambda n: f"{n + 101}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    kind = "shop"
    street_zone = factory.SubFactory(StreetZoneFactory)
    shop_name = factory.Sequence(lambda n: f"商铺{n}")


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


def credit_code(kind_digit, n):
    """A valid unified social credit code: civil affairs (5), kind, Fengxian, serial, check."""
    from orgs.validators import with_check_character

    return with_check_character(f"5{kind_digit}310120MJ{n:07d}")


class SocialOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orgs.SocialOrganization"

    subdistrict = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"上海市奉贤区测试社会工作服务社{n}")
    kind = "service"
    credit_code = factory.LazyAttributeSequence(
        lambda o, n: credit_code({"service": 2, "group": 1, "foundation": 3}[o.kind], n)
    )
    registered_on = datetime.date(2018, 5, 1)
    legal_representative = factory.Sequence(lambda n: f"法人{n}")
    office_phone = factory.Sequence(lambda n: f"021-6{n % 10000000:07d}")


class AnnualInspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orgs.AnnualInspection"

    organization = factory.SubFactory(SocialOrganizationFactory)
    year = 2021
    submitted_on = datetime.date(2022, 4, 1)
    result = "passed"


class InfoReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orgs.InfoReport"

    subdistrict = factory.SubFactory(SubdistrictFactory)
    title = factory.Sequence(lambda n: f"信息报道{n}")
    date = datetime.date(2022, 7, 8)
    text = "社会组织服务中心开展年检指导。"


class PublicWelfareActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orgs.PublicWelfareActivity"
        skip_postgeneration_save = True

    subdistrict = factory.SubFactory(SubdistrictFactory)
    title = factory.Sequence(lambda n: f"公益活动{n}")
    date = datetime.date(2022, 12, 16)
    beneficiaries = 50

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organizations.set(extracted)


class SocialWorkStationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orgs.SocialWorkStation"

    subdistrict = factory.SubFactory(SubdistrictFactory)
    level = "X"
    name = factory.Sequence(lambda n: f"社工站{n}")
    latitude = factory.Sequence(lambda n: Decimal("30.910") + Decimal(n % 30) / 1000)
    longitude = factory.Sequence(lambda n: Decimal("121.490") + Decimal(n % 40) / 1000)
    opening_hours = "工作日 9:00-17:00"


# 自治金 and the 和美 campaign (self_governance).


class FundAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.FundAllocation"

    community = factory.SubFactory(CommunityFactory)
    year = 2022
    amount = Decimal("100000")


class FundProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.FundProject"

    community = factory.SubFactory(CommunityFactory)
    year = 2022
    title = factory.Sequence(lambda n: f"自治金项目{n}")
    category = "parking"
    proposer = "居民自治小组"
    amount_requested = Decimal("50000")


class DiscussionMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.DiscussionMeeting"

    community = factory.SubFactory(CommunityFactory)
    topic = factory.Sequence(lambda n: f"自治金参与式讨论会{n}")
    date = datetime.date(2022, 4, 20)
    place = "居委会议室"
    participants = 20


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.Campaign"

    subdistrict = factory.SubFactory(SubdistrictFactory)
    year = 2022
    name = factory.Sequence(lambda n: f"“和美楼组”创建{n}")


class CampaignStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.CampaignStandard"

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"标准项{n}")
    max_score = 20


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.Enrollment"

    campaign = factory.SubFactory(CampaignFactory)
    building_group = factory.SubFactory(BuildingGroupFactory)


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.Inspection"

    enrollment = factory.SubFactory(EnrollmentFactory)
    kind = "street"
    date = datetime.date(2022, 11, 18)
    inspector = "街道社区自治办"


class InspectionScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.InspectionScore"

    inspection = factory.SubFactory(InspectionFactory)
    standard = factory.SubFactory(CampaignStandardFactory)
    score = Decimal("15")


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.Rectification"

    inspection = factory.SubFactory(InspectionFactory)
    finding = factory.Sequence(lambda n: f"楼道堆放纸箱{n}")
    deadline = datetime.date(2022, 12, 18)


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.Contest"

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"比学赶超专场{n}")
    date = datetime.date(2022, 12, 20)


class ContestEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.ContestEntry"

    contest = factory.SubFactory(ContestFactory)
    title = factory.Sequence(lambda n: f"节目{n}")
    community = factory.SubFactory(CommunityFactory)


class ContestRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.ContestRound"

    contest = factory.SubFactory(ContestFactory)
    name = factory.Sequence(lambda n: f"第{n}轮")
    order = factory.Sequence(lambda n: n + 1)


class RoundScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "self_governance.RoundScore"

    round = factory.SubFactory(ContestRoundFactory)
    entry = factory.SubFactory(ContestEntryFactory)
    score = Decimal("88.5")


def project_move(project, to, **kwargs):
    """`services.project_move` as staff call it, except that a 公示 goes up `NOTICE_DAYS` ago, so
    that a test may go on to 立项 at once (the service allows a notice dated back: staff record
    a paper notice pinned up last week)."""
    from django.utils import timezone

    from self_governance.fund import services
    from self_governance.fund.models import NOTICE_DAYS

    if to == "publicising":
        kwargs.setdefault(
            "notice_from", timezone.localdate() - datetime.timedelta(days=NOTICE_DAYS)
        )
    kwargs.setdefault("by", None)
    return services.project_move(project=project, to=to, **kwargs)
