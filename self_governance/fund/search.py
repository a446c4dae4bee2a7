"""What the public search finds in this app: self-governance fund projects, as the community's
fund page shows them (its year, its status; never the proposer)."""

from django.urls import reverse

from jinhai.search import Hit, Kind

from .models import FundProject


def _project(project):
    url = reverse("fund:community", args=[project.community_id])
    return Hit(
        name=project.title,
        url=f"{url}?year={project.year}#project-{project.pk}",
        detail=f"{project.community.name} · {project.year} 年 · {project.get_status_display()}",
    )


KINDS = [
    Kind(
        key="fund_projects",
        title="自治金项目",
        order=40,
        matching=lambda terms: (
            FundProject.objects.public().matching(terms).select_related("community")
        ),
        field="title",
        hit=_project,
    ),
]
