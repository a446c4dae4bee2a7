"""Background jobs: how code starts one, and what a job's handler gets to work with.

Start a job from a view (it returns at once; the job runs in `manage.py db_worker`):

    from jinhai.jobs import services
    job = services.start(JobKind.EXPORT, user=request.user, title="导出 楼组", params={...})
    return redirect(services.job_url(job))

A kind of job is one handler, registered with `@services.handler(kind)` in
`jinhai/jobs/handlers.py`:

    @services.handler(JobKind.FIGURES, may_start=lambda user: user.is_staff)
    def figures(job: services.Context, *, fund_year=None, inspection_year=None) -> str:
        job.progress(0, 2, "计算图表")
        ...
        job.save_file("数据看板_2022.xlsx", data)
        return "6 张图表"          # the summary the user reads

The handler gets the job's `params` as keyword arguments (JSON: strings, numbers, lists), the
user who started it (`job.user`) and the scope they had then (`job.scope`, which it must read
and write within), and reports with `job.progress(done, total, step)`, throttled so that a
loop may call it for every row. It returns a one-line summary; raising `JobRefused("…")` fails the
job with that Chinese message (any other exception fails it with a general one, and its
traceback stays in 后台任务 › Task results for the system administrator).

A job's row is written only by its handler's progress and by `run()`, never through the
portal's models, so it renews no cached public page. A proxy that gives up on a slow request
loses nothing: the request only queued the job; the worker finishes it and the user comes back
to 管理后台 › 后台任务 for its result.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from jinhai.scoping import Scope

from .models import Job, JobKind, JobStatus

logger = logging.getLogger("jinhai.jobs")

# At most this often a running job writes its progress (seconds).
PROGRESS_INTERVAL = 0.5

GENERAL_FAILURE = "任务运行出错,未完成。请稍后重试;若仍失败,请联系系统管理员。"


class JobRefused(Exception):
    """The job cannot do what was asked; the message (Chinese) is what the user reads."""


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable[..., str]
    may_start: Callable


_handlers: dict[str, Handler] = {}


def handler(kind: JobKind, *, may_start: Callable = lambda user: user.is_staff):
    """Register the function that runs jobs of `kind`; `may_start(user)` says who may start one
    (checked when it is started; the handler checks again what it reads)."""

    def register(function):
        _handlers[kind] = Handler(kind=kind, run=function, may_start=may_start)
        return function

    return register


def may_start(kind: JobKind, user) -> bool:
    entry = _handlers.get(kind)
    return bool(
        entry
        and user.is_active
        and user.is_staff
        and Scope.for_user(user).reaches_anything
        and entry.may_start(user)
    )


def start(kind: JobKind, *, user, title: str, params: dict | None = None, source=None) -> Job:
    """Queue a job and return its row. `source` (bytes, with `source_name`) is an uploaded file
    the job reads, kept with the job's files so that a worker on another machine finds it."""
    if not may_start(kind, user):
        raise PermissionDenied("没有发起该任务的权限。")
    scope = Scope.for_user(user)
    job = Job(
        kind=kind,
        title=title[:200],
        user=user,
        everything=scope.everything,
        subdistrict_id=scope.subdistrict_id,
        community_id=scope.community_id,
        params=params or {},
    )
    with transaction.atomic():
        if source is not None:
            name, content = source
            job.source.save(name, ContentFile(content), save=False)
        job.save()
        # In the same transaction: the worker sees the job and its queue row together, or
        # neither.
        result = run_job.enqueue(str(job.pk))
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    logger.info("job %s queued: %s for %s", job.pk, kind, user)
    return job


def job_url(job: Job) -> str:
    return reverse("admin:jinhai_job_change", args=[job.pk])


class Context:
    """What a handler works with while its job runs."""

    def __init__(self, job: Job):
        self.job = job
        self.user = job.user
        self.scope = job.scope
        self.params = job.params
        self._reported = 0.0

    def progress(self, done: int, total: int | None = None, step: str | None = None) -> None:
        """Say how far the job has got; cheap to call often (it writes twice a second)."""
        now = time.monotonic()
        finished = total is not None and done >= total
        if step is None and not finished and now - self._reported < PROGRESS_INTERVAL:
            return
        self._reported = now
        fields = {"done": done, "updated_at": timezone.now()}
        if total is not None:
            fields["total"] = total
        if step is not None:
            fields["step"] = step[:200]
        Job.objects.filter(pk=self.job.pk).update(**fields)

    def save_file(self, name: str, content) -> None:
        """Keep the job's result: bytes, a Django File, or the path of a file to move in."""
        if isinstance(content, bytes):
            content = ContentFile(content)
        elif isinstance(content, Path | str):
            path = Path(content)
            with path.open("rb") as opened:
                self.job.file.save(name, File(opened), save=False)
            path.unlink(missing_ok=True)
            self._save_file_name()
            return
        self.job.file.save(name, content, save=False)
        self._save_file_name()

    def _save_file_name(self):
        Job.objects.filter(pk=self.job.pk).update(file=self.job.file.name)

    def read_source(self) -> bytes:
        with self.job.source.open("rb") as opened:
            return opened.read()


def run(job_id: str) -> str:
    """Run one queued job (the worker calls this through `run_job`)."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return "任务已不存在"
    claimed = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), step="开始"
    )
    if not claimed:
        # Run already, or being run: a queue row delivered twice does not run it twice.
        return f"任务状态为{job.get_status_display()},未重复运行"
    entry = _handlers.get(job.kind)
    job.refresh_from_db()
    context = Context(job)
    try:
        if entry is None:
            raise JobRefused("未知的任务类型。")
        if not job.user.is_active or job.scope != Scope.for_user(job.user):
            raise JobRefused("发起人的账号或管理范围已变更,任务未运行。")
        summary = entry.run(context, **job.params)
    except JobRefused as exc:
        _finish(job, JobStatus.FAILED, error=str(exc))
        return str(exc)
    except BaseException:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=GENERAL_FAILURE)
        raise
    _finish(job, JobStatus.SUCCEEDED, summary=summary or "")
    prune()
    return summary or ""


def _finish(job, status, *, summary="", error=""):
    fields = {"status": status, "finished_at": timezone.now(), "summary": summary, "error": error}
    if status == JobStatus.SUCCEEDED:
        fields["step"] = ""
    Job.objects.filter(pk=job.pk).update(**fields)


def prune() -> int:
    """Remove jobs older than JOB_KEEP_DAYS with their files (run after each job, so that no
    cron is needed for it)."""
    removed = 0
    for job in Job.objects.expired()[:100]:
        job.delete_files()
        job.delete()
        removed += 1
    return removed


@task()
def run_job(job_id: str) -> str:
    """The one django-tasks task: every kind of job runs through it."""
    return run(job_id)
