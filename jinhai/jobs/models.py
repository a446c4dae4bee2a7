import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

from jinhai.scoping import Scope


def job_storage():
    # STORAGES["jobs"]: a folder of this machine, a shared mount, or a private bucket.
    return storages["jobs"]


def _result_path(job, filename):
    return f"{job.pk}/{filename}"


def _source_path(job, filename):
    return f"{job.pk}/source/{filename}"


class JobKind(models.TextChoices):
    EXPORT = "export", "导出"
    FIGURES = "figures", "数据看板表格"
    IMPORT = "import", "导入"
    BACKUP = "backup", "备份数据库"
    PURGE = "purge", "清理个人信息"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's own jobs, started in the scope the user still has: a job started while
        the user belonged to another community is not theirs to read any more. System
        administrators (superusers), who reach every row anyway, see every job."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        scope = Scope.for_user(user)
        return self.filter(
            user=user,
            everything=scope.everything,
            subdistrict_id=scope.subdistrict_id,
            community_id=scope.community_id,
        )

    def expired(self):
        cutoff = timezone.now() - timezone.timedelta(days=settings.JOB_KEEP_DAYS)
        return self.filter(created_at__lt=cutoff).exclude(status=JobStatus.RUNNING)


class Job(models.Model):
    """One background job as the person who started it sees it: what it is, how far it has
    got, and what it left (a file to download, a summary). The queue itself is django-tasks'
    (`task_id` names its row); this row is written by the job as it runs."""

    # A job's progress is written every half second: it must not empty the public page cache.
    shown_on_public_pages = False

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("类型", max_length=20, choices=JobKind.choices)
    title = models.CharField("任务", max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name="发起人",
    )
    # The scope the user had when starting it: the job reads and writes within it, and only
    # while the user keeps it may they see the job.
    everything = models.BooleanField("全部范围", default=False)
    subdistrict = models.ForeignKey(
        "communities.Subdistrict",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="街道",
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="社区",
    )
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveBigIntegerField("已完成", default=0)
    total = models.PositiveBigIntegerField("总量", default=0, help_text="0 表示尚不知道总量。")
    step = models.CharField("当前步骤", max_length=200, blank=True)
    summary = models.TextField("结果", blank=True)
    error = models.TextField("失败原因", blank=True)
    source = models.FileField(
        "上传的文件", storage=job_storage, upload_to=_source_path, max_length=300, blank=True
    )
    file = models.FileField(
        "结果文件", storage=job_storage, upload_to=_result_path, max_length=300, blank=True
    )
    task_id = models.CharField("队列编号", max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    updated_at = models.DateTimeField("最近更新", auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_created")]
        permissions = [
            ("backup_database", "可以备份数据库"),
            ("purge_personal_data", "可以清理个人信息"),
        ]

    def __str__(self):
        return self.title

    @property
    def scope(self) -> Scope:
        return Scope(
            everything=self.everything,
            subdistrict_id=self.subdistrict_id,
            community_id=self.community_id,
        )

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def stale(self) -> bool:
        """Running, but silent for longer than JOB_STALE_MINUTES: its worker has stopped."""
        limit = timezone.timedelta(minutes=settings.JOB_STALE_MINUTES)
        return self.status == JobStatus.RUNNING and timezone.now() - self.updated_at > limit

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, 100 * self.done // self.total)

    @property
    def file_name(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""

    def delete_files(self) -> None:
        for field in (self.file, self.source):
            if field:
                field.delete(save=False)
