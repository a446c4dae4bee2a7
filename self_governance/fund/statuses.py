"""The path a 自治金 project takes, its categories, and what each stage allows: the vocabulary
that `models`, `services` and the pages share. `models` names all of it too."""

from django.db import models


class ProjectCategory(models.TextChoices):
    PARKING = "parking", "停车"
    ENVIRONMENT = "environment", "环境"
    STAIRWAY = "stairway", "楼道"
    PETS = "pets", "宠物"
    ELDERLY = "elderly", "为老服务"
    OTHER = "other", "其他"


class ProjectStatus(models.TextChoices):
    COLLECTING = "collecting", "征集"
    DISCUSSING = "discussing", "讨论"
    PUBLICISING = "publicising", "公示"
    APPROVED = "approved", "立项"
    IMPLEMENTING = "implementing", "实施"
    ACCEPTED = "accepted", "验收"
    CLOSED = "closed", "结项"
    REJECTED = "rejected", "不予立项"


# The path a project takes; 不予立项 branches off before 立项. `services.project_move` reads these.
PROJECT_PATH = [
    ProjectStatus.COLLECTING,
    ProjectStatus.DISCUSSING,
    ProjectStatus.PUBLICISING,
    ProjectStatus.APPROVED,
    ProjectStatus.IMPLEMENTING,
    ProjectStatus.ACCEPTED,
    ProjectStatus.CLOSED,
]
# From 立项 on, a project holds an approved amount and counts against the year's allocation.
FUNDED_STATUSES = PROJECT_PATH[PROJECT_PATH.index(ProjectStatus.APPROVED) :]
# Money is paid out only while the work is done and checked.
SPENDING_STATUSES = [ProjectStatus.IMPLEMENTING, ProjectStatus.ACCEPTED]
# A project's notice (公示) hangs in the compound this many days before it may be approved,
# unless staff set another length when they put it up.
NOTICE_DAYS = 7
NOTICE_MAX_DAYS = 30


class ProposalReview(models.TextChoices):
    """Where a resident proposal (居民提议) stands with staff. Staff-entered projects have none."""

    PENDING = "pending", "待审核"
    ACCEPTED = "accepted", "已采纳"
    MERGED = "merged", "已合并"
    DECLINED = "declined", "未采纳"


# A resident proposal is public only once staff took it into the process; nothing a resident
# writes is public before that.
HIDDEN_REVIEWS = [ProposalReview.PENDING, ProposalReview.MERGED, ProposalReview.DECLINED]
# Households support (附议) a project while it is still being shaped.
SUPPORT_STATUSES = [ProjectStatus.COLLECTING, ProjectStatus.DISCUSSING]
