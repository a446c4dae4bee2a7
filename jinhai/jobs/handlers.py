"""The kinds of background job: each is a handler (see jobs.services) and, where a page starts
it, the function that page calls."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import unquote, urlencode

from django.apps import apps
from django.contrib import admin
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from .models import JobKind
from .services import Context, JobRefused, handler, job_url, start

# --- 数据看板表格 (the staff dashboard's 导出 Excel; DashboardView.post queues it) ---


@handler(JobKind.FIGURES)
def figures(job: Context, *, fund_year=None, inspection_year=None, subdistrict=None) -> str:
    from jinhai.views import DashboardView

    job.progress(0, 2, "汇总图表数据")
    years, charts = DashboardView.figures(
        job.user,
        {"fund_year": fund_year, "inspection_year": inspection_year, "subdistrict": subdistrict},
    )
    if not charts:
        raise JobRefused("你的账号没有查看这些数据的权限。")
    job.progress(1, 2, "生成表格")
    name, content = DashboardView.spreadsheet(years, charts)
    job.save_file(name, content)
    job.progress(2, 2)
    return f"{len(charts)} 张图表({years.fund}年自治金,{years.inspection}年度年检)。"


# --- 备份数据库 ---


@handler(JobKind.BACKUP, may_start=lambda user: user.has_perm("jinhai.backup_database"))
def backup(job: Context) -> str:
    from jinhai.backups import BackupFailed
    from jinhai.backups import backup as make_backup

    suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
    name = f"备份_{timezone.localtime():%Y%m%d_%H%M%S}.{suffix}"
    with tempfile.TemporaryDirectory(prefix="jinhai-backup-") as folder:
        target = Path(folder) / name
        job.progress(0, None, "备份中")
        try:
            size = make_backup(target, progress=job.progress)
        except BackupFailed as exc:
            raise JobRefused(str(exc)) from exc
        job.progress(0, None, "保存备份文件")
        job.save_file(name, target)
    restore = (
        "用 pg_restore --no-owner --dbname=… 恢复到空数据库"
        if suffix == "dump"
        else "停止网站后替换 db.sqlite3 即可恢复"
    )
    return f"备份完成,{size:,} 字节;{restore}。上传的照片(MEDIA_ROOT)不在其中。"


# --- 清理个人信息 ---


@handler(JobKind.PURGE, may_start=lambda user: user.has_perm("jinhai.purge_personal_data"))
def purge(job: Context, *, years: int, dry_run: bool) -> str:
    from jinhai.personal_data import purge_personal_data

    job.progress(0, None, "只统计,不修改" if dry_run else "匿名化")
    result = purge_personal_data(years=int(years), dry_run=bool(dry_run), progress=job.progress)
    details = ";".join(f"{name} {count} 人" for name, count in result.counts)
    return f"{result.summary()}{details}"


# --- 导出 (a change list's export of more than JOB_EXPORT_ROWS rows) ---


def start_export(model_admin, request) -> str:
    """Queue the export `request` asked for; the worker replays it (see `export`)."""
    opts = model_admin.model._meta
    post = {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken",)
    }
    job = start(
        JobKind.EXPORT,
        user=request.user,
        title=f"导出 {opts.verbose_name_plural}",
        params={
            "model": opts.label_lower,
            "query": request.GET.urlencode(),
            "post": post,
        },
    )
    return job_url(job)


@handler(JobKind.EXPORT)
def export(job: Context, *, model: str, query: str, post: dict) -> str:
    """The export the user asked for, made again here exactly as the admin makes it: the same
    change list filters, selection, format and fields, through the model admin's own export
    view with the user's permissions and scope; only the rows are counted as they go."""
    try:
        model_admin = admin.site.get_model_admin(apps.get_model(model))
    except (LookupError, admin.sites.NotRegistered) as exc:
        raise JobRefused("该数据已不能导出。") from exc
    opts = model_admin.model._meta
    path = f"/admin/{opts.app_label}/{opts.model_name}/export/"
    request = RequestFactory().post(
        f"{path}?{query}",
        data=urlencode(post, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )
    request.user = job.user
    request._messages = CookieStorage(request)
    request.jinhai_job = job
    job.rows = 0
    job.progress(0, None, "读取数据")
    response = model_admin.export_action(request)
    if (
        not isinstance(response, HttpResponse)
        or response.status_code != 200
        or not (response.get("Content-Disposition", "").startswith("attachment"))
    ):
        errors = [str(message) for message in request._messages]
        raise JobRefused(";".join(errors) or "导出条件已失效,请回到列表重新导出。")
    name = _attachment_name(response["Content-Disposition"])
    job.progress(job.rows, None, "保存文件")
    job.save_file(name, response.content)
    return f"导出 {job.rows:,} 行。"


def _attachment_name(disposition: str) -> str:
    """The file name of a Content-Disposition: RFC 6266's filename*=utf-8'' form for Chinese
    names (jinhai.admin), or a plain filename="…"."""
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "filename*" and "''" in value:
            return unquote(value.split("''", 1)[1])
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "filename":
            return value.strip('"')
    return "导出.xlsx"


def counting_resource(resource_class, job: Context, total: int):
    """The export resource with its rows counted into the job's progress."""

    class Counting(resource_class):
        def iter_queryset(self, queryset):
            for job.rows, row in enumerate(super().iter_queryset(queryset), start=1):
                job.progress(job.rows, total)
                yield row

    Counting.__name__ = resource_class.__name__
    Counting.__qualname__ = resource_class.__qualname__
    return Counting


# --- 导入 (a spreadsheet of more than JOB_IMPORT_ROWS rows) ---

# How many bad rows a failed import job lists (the file's row numbers; the count is complete).
IMPORT_ERRORS_SHOWN = 200


def start_import(
    resource_class, *, user, file_name: str, content: bytes, confirm_token: str | None
) -> str | None:
    """Queue the import of one uploaded file into `resource_class` (a SheetResource) for `user`;
    return the job's page. The file is kept with the job's files, so any worker reads it; the
    import runs as `import_sheet` does: all or nothing, every bad row named.

    `confirm_token` is the preview's single-use token, consumed in the transaction that queues
    the job: a retried confirm queues nothing and gets None. None as the token (the command
    line, code) skips the check."""
    from django.db import transaction

    from jinhai.imports import confirmations

    if not resource_class.may_import(user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("没有导入该数据的权限。")
    with transaction.atomic():
        if confirm_token is not None and not confirmations.consume(
            token=confirm_token, user=user, resource=resource_class.key
        ):
            return None
        job = start(
            JobKind.IMPORT,
            user=user,
            title=f"导入 {resource_class.title}:{file_name}"[:200],
            params={"resource": resource_class.key, "file_name": file_name},
            source=(f"upload{Path(file_name).suffix.lower()[:10]}", content),
        )
    return job_url(job)


@handler(JobKind.IMPORT)
def import_sheet(job: Context, *, resource: str, file_name: str) -> str:
    from jinhai.imports.base import resource_registry
    from jinhai.imports.formats import SheetFormat
    from jinhai.imports.reading import SheetError

    resource_class = resource_registry().get(resource)
    if resource_class is None or not resource_class.may_import(job.user):
        raise JobRefused("没有导入该数据的权限。")
    job.progress(0, None, "读取文件")
    try:
        dataset = SheetFormat.for_resource(resource_class)().create_dataset(job.read_source())
    except SheetError as exc:
        raise JobRefused(str(exc)) from exc
    importer = resource_class(user=job.user)
    importer.progress = lambda done, total: job.progress(done, total, "检查每一行")
    result = importer.import_data(
        dataset,
        dry_run=False,
        rollback_on_validation_errors=True,
        file_name=file_name,
        user=job.user,
    )
    if result.has_errors():
        reasons = ";".join(str(error.error) for error in result.base_errors)
        raise JobRefused(f"文件未导入,未写入任何数据。{reasons}")
    if result.has_validation_errors():
        lines = [
            f"第 {number} 行 {column or ''}:{reason}"
            for number, column, reason in result.error_items[:IMPORT_ERRORS_SHOWN]
        ]
        more = len(result.error_items) - len(lines)
        raise JobRefused(
            f"文件中有 {len(result.error_items)} 处错误,未写入任何数据。\n"
            + "\n".join(lines)
            + (f"\n……另有 {more} 处" if more > 0 else "")
        )
    notes = "".join(result.notes)
    return (
        f"导入完成:共 {result.total_rows} 行,新建 {result.created} 行,"
        f"更新 {result.updated} 行,{result.unchanged} 行无变化。{notes}"
    )
