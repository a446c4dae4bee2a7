from auditlog.models import LogEntry
from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportLog(models.Model):
    """Who imported which spreadsheet into which resource, when, and what it wrote."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_logs",
        verbose_name="导入人",
    )
    resource = models.CharField(
        "导入类型", max_length=40, help_text="资源代码,如 places(小区楼组)、leaders(两长名册)。"
    )
    file_name = models.CharField("文件名", max_length=255, blank=True)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新建行数", default=0)
    updated = models.PositiveIntegerField("更新行数", default=0)
    at = models.DateTimeField("导入时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-at"]

    def __str__(self):
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y-%m-%d %H:%M} {self.file_name}".strip()


class AccessRecords(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(action=LogEntry.Action.ACCESS)


class AccessRecord(LogEntry):
    """查阅记录: the audit trail's "looked at a person's record" entries, as street staff read
    them (jinhai.admin_audit). The rows are django-auditlog's; this is a second view of them."""

    objects = AccessRecords()

    class Meta:
        proxy = True
        verbose_name = "查阅记录"
        verbose_name_plural = "查阅记录"
        # Written by the audit trail only; read, never changed.
        default_permissions = ("view",)


# Background jobs (jinhai/jobs/): their rows live in this app.
from .jobs.models import Job  # noqa: E402

__all__ = ["AccessRecord", "ImportLog", "Job"]
