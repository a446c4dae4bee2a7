from auditlog.models import LogEntry
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
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


class FigureSummary(models.Model):
    """One subdistrict's figures for one year, kept so that the public figures page reads a few
    rows instead of counting every ledger row (jinhai.summaries keeps them)."""

    # A summary's own save changes no public page: the page reads it when it is rendered.
    shown_on_public_pages = False

    subdistrict = models.ForeignKey(
        "communities.Subdistrict",
        on_delete=models.CASCADE,
        related_name="figure_summaries",
        verbose_name="街道",
        help_text="这些数字所属的街道。",
    )
    year = models.PositiveSmallIntegerField(
        "年度", help_text="自治金与社会组织年检按这一年统计;按月的数字不分年度。"
    )
    has_fund = models.BooleanField(
        "有自治金数据", default=False, help_text="该街道这一年有自治金额度下达。"
    )
    has_inspection = models.BooleanField(
        "有年检数据", default=False, help_text="该街道这一年有社会组织年检记录。"
    )
    payload = models.JSONField(
        "统计数字", default=dict, encoder=DjangoJSONEncoder, help_text="图表所用的全部数字。"
    )
    versions = models.CharField(
        "数据版本",
        max_length=100,
        blank=True,
        help_text="统计时该街道的数据版本;此后该街道有改动,统计就已过时,由后台任务重算。",
    )
    computed_at = models.DateTimeField("统计时间", default=timezone.now, help_text="重算的时间。")

    class Meta:
        verbose_name = "数据公开统计"
        verbose_name_plural = "数据公开统计"
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "year"], name="figure_summary_once")
        ]

    def __str__(self):
        return f"{self.subdistrict_id} {self.year}"
