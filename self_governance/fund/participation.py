"""Households taking part in the fund: supports (附议) of projects. Written by the services in
`services.py` only (`support_add`, `support_withdraw`)."""

from django.db import models

from jinhai.scoping import ScopedQuerySet

from .models import FundProject


class Support(models.Model):
    """A household's support (附议) of a project in 征集 or 讨论: one per household and project,
    withdrawn by deleting it."""

    community_path = "project__community"

    project = models.ForeignKey(
        FundProject, on_delete=models.CASCADE, related_name="supports", verbose_name="项目"
    )
    household = models.ForeignKey(
        "communities.Household",
        on_delete=models.CASCADE,
        related_name="supports",
        verbose_name="附议住户",
    )
    created_at = models.DateTimeField("附议时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "附议"
        verbose_name_plural = "附议"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "household"],
                name="one_support_per_household_project",
                violation_error_message="本户已附议过这个项目。",
            ),
        ]

    def __str__(self):
        return f"附议 {self.project}" if self.project_id else "附议"
