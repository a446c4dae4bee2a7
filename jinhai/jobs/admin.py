"""后台任务 in the admin: a user's own jobs, each with its progress and its result.

The change list and each job's page show only the user's own jobs of the scope they have now
(`Job.objects.for_user`; superusers see all); another user's job, or one of another community,
is a 404. A job's
page polls its status (static/jobs/job.js; without JavaScript the page reloads itself) and
offers the file once there is one; the file is sent by Django, never from a public URL.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from jinhai.admin import BoundedPaginator, ReadOnlyAdminMixin

from . import services
from .models import Job, JobKind, JobStatus


class PurgeForm(forms.Form):
    years = forms.IntegerField(
        label="离任满几年",
        min_value=1,
        max_value=50,
        initial=settings.PERSONAL_DATA_RETENTION_YEARS,
        help_text="角色在这么多年以前结束的人员,其姓名、手机号、照片将被匿名化,审计记录被删除。",
    )
    dry_run = forms.BooleanField(label="只统计,不修改", required=False, initial=True)


def progress_bar(job: Job) -> str:
    percent = job.percent
    label = job.get_status_display()
    if job.stale:
        label = "已中断"
    elif job.status == JobStatus.RUNNING and job.total:
        label = f"{label} {job.done:,}/{job.total:,}"
    if percent is None:
        return format_html('<progress aria-label="{}"></progress> {}', label, label)
    return format_html(
        '<progress max="100" value="{}" aria-label="{}">{}%</progress> {}',
        percent,
        label,
        percent,
        label,
    )


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "progress", "created_at", "finished_at", "result"]
    list_filter = ["kind", "status"]
    list_per_page = 50
    show_full_result_count = False
    paginator = BoundedPaginator  # a job for every export, import and backup
    change_list_template = "admin/jinhai/job/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def has_view_permission(self, request, obj=None):
        # Everyone on the staff may see their own jobs (get_queryset keeps them to those).
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description="进度")
    def progress(self, job):
        return progress_bar(job)

    @admin.display(description="结果")
    def result(self, job):
        if job.file:
            url = reverse("admin:jinhai_job_download", args=[job.pk])
            return format_html('<a href="{}">下载 {}</a>', url, job.file_name)
        return job.error or job.summary

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("backup/", wrap(self.backup_view), name="jinhai_job_backup"),
            path("purge/", wrap(self.purge_view), name="jinhai_job_purge"),
            path("<uuid:job_id>/status/", wrap(self.status_view), name="jinhai_job_status"),
            path("<uuid:job_id>/download/", wrap(self.download_view), name="jinhai_job_download"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_backup": services.may_start(JobKind.BACKUP, request.user),
            "may_purge": services.may_start(JobKind.PURGE, request.user),
        }
        return super().changelist_view(request, extra_context)

    def _job(self, request, job_id) -> Job:
        job = self.get_object(request, job_id)
        if job is None:
            raise Http404("没有找到该任务,或您无权访问。")
        return job

    def get_object(self, request, object_id, from_field=None):
        # Someone else's job is simply not there (the admin's default would redirect).
        job = super().get_object(request, object_id, from_field)
        if job is None:
            raise Http404("没有找到该任务,或您无权访问。")
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": job.title,
            "opts": self.opts,
            "job": job,
            "bar": progress_bar(job),
            "status_url": reverse("admin:jinhai_job_status", args=[job.pk]),
            "download_url": reverse("admin:jinhai_job_download", args=[job.pk]) if job.file else "",
            # No worker has taken it for a while: say what to check.
            "waiting_long": job.status == JobStatus.QUEUED
            and (timezone.now() - job.created_at).total_seconds() > 30,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/jinhai/job/detail.html", context)

    def status_view(self, request, job_id):
        job = self._job(request, job_id)
        return JsonResponse(
            {
                "status": job.status,
                "finished": job.finished,
                "stale": job.stale,
                "done": job.done,
                "total": job.total,
                "percent": job.percent,
                "step": job.step,
            }
        )

    def download_view(self, request, job_id):
        job = self._job(request, job_id)
        if not job.file:
            raise Http404("该任务没有文件。")
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)

    @staticmethod
    def _refuse_unless(kind, request):
        if not services.may_start(kind, request.user):
            raise PermissionDenied

    def backup_view(self, request):
        self._refuse_unless(JobKind.BACKUP, request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:jinhai_job_changelist"))
        job = services.start(JobKind.BACKUP, user=request.user, title="备份数据库")
        messages.info(request, "备份已排队,完成后在本页下载。")
        return HttpResponseRedirect(services.job_url(job))

    def purge_view(self, request):
        self._refuse_unless(JobKind.PURGE, request)
        form = PurgeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            years, dry_run = form.cleaned_data["years"], form.cleaned_data["dry_run"]
            job = services.start(
                JobKind.PURGE,
                user=request.user,
                title=f"清理个人信息(离任满 {years} 年{',只统计' if dry_run else ''})",
                params={"years": years, "dry_run": dry_run},
            )
            return HttpResponseRedirect(services.job_url(job))
        context = {
            **self.admin_site.each_context(request),
            "title": "清理个人信息",
            "opts": self.opts,
            "form": form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/jinhai/job/purge.html", context)
