"""The app's models, as Django looks for them here. They live in the three rooms:

- `agreements`: 美丽约定 point schemes and their ledger;
- `fund`: the self-governance fund (自治金): allocations, projects, meetings, payments;
- `campaign`: the 和美楼组 campaign: enrolment, inspections, rectifications, the contest.

Import a model from its room (`from self_governance.fund.models import FundProject`); this module
only gathers them for the app registry and the migrations.
"""

from .agreements.models import (
    Account,
    AgreementScheme,
    MonthlyPoints,
    Pet,
    PointEntry,
    Redemption,
    Reward,
    Rule,
)
from .campaign.models import (
    Campaign,
    CampaignStandard,
    Contest,
    ContestEntry,
    ContestRound,
    Enrollment,
    Inspection,
    InspectionScore,
    Rectification,
    RoundScore,
)
from .fund.models import (
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectMove,
)
from .fund.participation import Opinion, Support

__all__ = [
    "Account",
    "AgreementScheme",
    "Campaign",
    "CampaignStandard",
    "Contest",
    "ContestEntry",
    "ContestRound",
    "DiscussionMeeting",
    "Enrollment",
    "Expenditure",
    "FundAllocation",
    "FundProject",
    "Inspection",
    "InspectionScore",
    "MonthlyPoints",
    "Opinion",
    "Pet",
    "PointEntry",
    "ProjectMove",
    "Rectification",
    "Redemption",
    "Reward",
    "RoundScore",
    "Rule",
    "Support",
]
