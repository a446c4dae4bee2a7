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
    sha256 = models.CharField(
        "文件指纹",
        max_length=64,
        blank=True,
        db_index=True,
        help_text="文件内容的 SHA-256,用来认出再次上传的同一个文件。",
    )
    scope = models.CharField(
        "导入范围",
        max_length=200,
        blank=True,
        help_text="导入人可及的社区(编号),同一范围内的同一文件才算“导入过”。",
    )

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-at"]

    def __str__(self):
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y-%m-%d %H:%M} {self.file_name}".strip()


class ImportConfirmation(models.Model):
    """A preview's single-use confirm token, kept hashed: a retried or doubled confirm finds it
    used (in the same transaction as the writes) and writes nothing."""

    token_hash = models.CharField(
        "凭据摘要", max_length=64, unique=True, help_text="确认凭据的 SHA-256;凭据本身不保存。"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_confirmations",
        verbose_name="导入人",
        help_text="预览该文件的用户;只有他能确认。",
    )
    resource = models.CharField("导入类型", max_length=40, help_text="资源代码,如 points。")
    created = models.DateTimeField("预览时间", auto_now_add=True, help_text="预览生成凭据的时间。")
    used_at = models.DateTimeField(
        "确认时间", null=True, blank=True, help_text="凭据被使用的时间;为空表示尚未确认。"
    )

    class Meta:
        verbose_name = "导入确认凭据"
        verbose_name_plural = "导入确认凭据"

    def __str__(self):
        return f"{self.resource} {self.created:%Y-%m-%d %H:%M}" if self.created else self.resource


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
