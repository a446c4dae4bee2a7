"""自治金项目 (`fund_projects`): project applications by community, imported and exported."""

from django.utils import timezone
from import_export import fields

from communities.models import Community, Compound
from communities.resources import COMMUNITY, compound_names, resolve_communities
from jinhai.imports import cells
from jinhai.imports.base import Column, SheetResource

from .models import (
    PROJECT_PATH,
    FundProject,
    ProjectCategory,
    ProjectStatus,
)


def _year(value):
    year = cells.integer(value, unit="年")
    if year is not None and not 2000 <= year <= 2100:
        raise ValueError(f"年度“{cells.text(value)}”不正确,应为 4 位年份,如 2022")
    return year


# Statuses a new project may be imported with: the ones before any decision about money. 立项 and
# later (and 不予立项) are moves, made one by one on the project's page by `project_move`, which
# checks the discussion meetings and the allocation; an import never moves a status.
IMPORTABLE_STATUSES = PROJECT_PATH[: PROJECT_PATH.index(ProjectStatus.APPROVED)]


class FundProjectsResource(SheetResource):
    """自治金项目: project applications by community (the design's `fund_projects` contract).

    A row names a project by 社区 + 年度 + 项目名称: a new one is created, one still before 立项
    is updated; an approved project is left as it is (a re-imported export of it is unchanged).
    年度 (default: this year) and 项目内容 are optional columns beyond the contract.
    """

    key = "fund_projects"
    title = "自治金项目"
    columns = [
        COMMUNITY,
        Column(
            "项目名称", required=True, field="title", aliases=("项目", "名称"), example="楼道微更新"
        ),
        Column("类别", required=True, parse=cells.choice(ProjectCategory.choices, "类别")),
        Column(
            "申请金额",
            required=True,
            parse=cells.amount,
            field="amount_requested",
            aliases=("申请金额(元)", "申请金额(元)"),
            example=20000,
        ),
        Column("小区", options=compound_names),
        Column("申报主体", field="proposer", aliases=("申报单位", "申报人"), example="1号楼楼组"),
        Column("批准金额", parse=cells.amount, aliases=("批准金额(元)", "批准金额(元)")),
        Column(
            "状态",
            parse=cells.choice(ProjectStatus.choices, "状态"),
            example="",
            hint="不填为" + ProjectStatus.labels[0] + ";立项及以后的状态须在项目页面逐步办理",
        ),
        Column(
            "年度",
            parse=_year,
            field="year",
            example=lambda resource: timezone.localdate().year,
            hint="不填为今年",
        ),
        Column("项目内容", field="description", aliases=("内容", "项目简介")),
    ]
    update_fields = ["compound", "category", "proposer", "description", "amount_requested"]
    duplicate_column = "项目名称"

    community = fields.Field(attribute="community__name", column_name="社区", readonly=True)
    year = fields.Field(attribute="year", column_name="年度", readonly=True)
    compound_name = fields.Field(attribute="compound__name", column_name="小区", readonly=True)
    title_ = fields.Field(attribute="title", column_name="项目名称", readonly=True)
    category_ = fields.Field(attribute="get_category_display", column_name="类别", readonly=True)
    proposer_ = fields.Field(attribute="proposer", column_name="申报主体", readonly=True)
    requested = fields.Field(attribute="amount_requested", column_name="申请金额", readonly=True)
    approved = fields.Field(attribute="amount_approved", column_name="批准金额", readonly=True)
    status_ = fields.Field(attribute="get_status_display", column_name="状态", readonly=True)
    description_ = fields.Field(attribute="description", column_name="项目内容", readonly=True)

    class Meta:
        model = FundProject
        fields = (
            "community", "year", "compound_name", "title_", "category_", "proposer_",
            "requested", "approved", "status_", "description_",
        )  # fmt: skip
        export_order = fields

    def resolve(self, records):
        # One query per level: communities, their compounds, their projects.
        found = resolve_communities(records, self.scoped(Community))
        community_ids = {c.pk for c in found.values()}
        compounds = {
            (c.community_id, cells.name_key(c.name)): c
            for c in self.scoped(Compound).filter(community_id__in=community_ids)
        }
        projects = {
            (p.community_id, p.year, cells.name_key(p.title)): p
            for p in self.scoped(FundProject).filter(community_id__in=community_ids)
        }
        this_year = timezone.localdate().year
        for record in records:
            community = found.get(record.number)
            if community is None or record.errors:
                continue
            self._resolve_one(record, community, compounds, projects, this_year)

    def _resolve_one(self, record, community, compounds, projects, this_year):
        values = record.values
        compound = None
        if values.get("小区"):
            compound = compounds.get((community.pk, cells.name_key(values["小区"])))
            if compound is None:
                record.fail("小区", f"{community.name}没有小区“{values['小区']}”")
                return
        if values["申请金额"] <= 0:
            record.fail("申请金额", "申请金额须大于 0")
            return
        year = values.get("年度") or this_year
        title = values["项目名称"]
        record.key = (community.pk, year, cells.name_key(title))
        wanted = {
            "compound": compound,
            "category": values["类别"],
            "proposer": values.get("申报主体", ""),
            "description": values.get("项目内容", ""),
            "amount_requested": values["申请金额"],
        }
        status, approved = values.get("状态") or None, values.get("批准金额")
        project = projects.get(record.key)
        if project is None:
            if status and status not in IMPORTABLE_STATUSES:
                record.fail(
                    "状态",
                    f"新项目只能以“征集”“讨论”或“公示”状态导入;“{ProjectStatus(status).label}”"
                    "须在项目页面逐步办理(需有讨论会记录并核对自治金余额)",
                )
            if approved is not None:
                record.fail("批准金额", "批准金额在立项时于项目页面填写,导入新项目时请留空")
            if record.errors:
                return
            record.instance = FundProject(
                community=community,
                year=year,
                title=title,
                status=status or ProjectStatus.COLLECTING,
                **wanted,
            )
            record.is_new = True
            return
        if status and status != project.status:
            record.fail(
                "状态",
                f"状态不能通过导入变更(当前:{project.get_status_display()}),请在项目页面办理",
            )
        if approved is not None and approved != project.amount_approved:
            record.fail("批准金额", "批准金额只能在立项时于项目页面填写,不能通过导入修改")
        changed = any(
            getattr(project, name) != value for name, value in wanted.items() if name != "compound"
        ) or (project.compound_id != (compound.pk if compound else None))
        if changed and project.status not in IMPORTABLE_STATUSES:
            record.fail(
                "项目名称",
                f"项目已{project.get_status_display()},不能通过导入修改;如有变更请在项目页面办理",
            )
        if record.errors:
            return
        for name, value in wanted.items():
            setattr(project, name, value)
        record.instance = project
        record.changed = changed
