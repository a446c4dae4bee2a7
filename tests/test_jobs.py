"""Background jobs: queued by the pages that start them, run by django-tasks-db's worker code,
read back by the user who started them and nobody else."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from communities.models import Compound, StaffProfile
from jinhai.jobs import services
from jinhai.jobs.models import Job, JobKind, JobStatus

from .factories import CompoundFactory
from .jobs import finished_download, job_at, job_of, run_queued_jobs

EXPORT = reverse("admin:communities_compound_export")
COMPOUND_CSV = {
    "format": "1",
    "resource": "0",
    "compoundresource_id": "on",
    "compoundresource_name": "on",
}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def long_lists(settings):
    settings.JOB_EXPORT_ROWS = 3


def test_a_short_export_answers_at_once(world, users, login):
    response = login(users.staff_a).post(EXPORT, COMPOUND_CSV)
    assert response.status_code == 200
    assert Job.objects.filter(kind=JobKind.EXPORT).count() == 0


def test_a_long_export_is_a_job_with_the_users_rows_only(world, users, login, long_lists):
    for n in range(5):
        CompoundFactory(community=world.a.community, name=f"正学{n}苑")
    CompoundFactory(community=world.b.community, name="丰乐二苑")
    client = login(users.staff_a)

    response = client.post(f"{EXPORT}?q=苑", COMPOUND_CSV)

    job = job_of(response)
    assert job.status == JobStatus.QUEUED and job.community == world.a.community
    assert DBTaskResult.objects.filter(id=job.task_id).exists()
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "<progress" in page
    csv = body_of(finished_download(client, response)).decode("utf-8-sig")
    names = {line.split(",")[1] for line in csv.splitlines()[1:]}
    assert names == {"正学苑", *(f"正学{n}苑" for n in range(5))}
    job.refresh_from_db()
    assert job.summary == "导出 6 行。"
    assert (job.done, job.total) == (6, 6)
    assert "下载" in client.get(response["Location"]).content.decode()


def test_the_export_job_keeps_the_change_list_filter(world, users, login, long_lists):
    for n in range(5):
        CompoundFactory(community=world.a.community, name=f"正学{n}苑")
    client = login(users.street)
    response = client.post(f"{EXPORT}?q=正学3", COMPOUND_CSV)
    # Four rows would be few enough for an answer at once: the filter was applied first.
    assert response.status_code == 200
    assert Compound.objects.filter(name__contains="正学").count() == 6


def test_a_job_is_its_starters_alone(world, users, login, long_lists):
    for n in range(5):
        CompoundFactory(community=world.a.community, name=f"正学{n}苑")
    response = login(users.staff_a).post(EXPORT, COMPOUND_CSV)
    job = job_of(response)
    run_queued_jobs()
    for other in (users.staff_b, users.street, users.viewer):
        client = login(other)
        for name in ("change", "status", "download"):
            address = reverse(f"admin:jinhai_job_{name}", args=[job.pk])
            assert client.get(address).status_code == 404, (other, name)
        listing = client.get(reverse("admin:jinhai_job_changelist")).content.decode()
        assert str(job.pk) not in listing
    assert (
        str(job.pk)
        in login(users.staff_a).get(reverse("admin:jinhai_job_changelist")).content.decode()
    )


def test_a_user_moved_to_another_community_no_longer_sees_the_old_jobs(world, users, login):
    job = services.start(JobKind.FIGURES, user=users.staff_a, title="数据看板 Excel")
    client = login(users.staff_a)
    assert client.get(reverse("admin:jinhai_job_change", args=[job.pk])).status_code == 200
    StaffProfile.objects.filter(user=users.staff_a).update(community=world.b.community)
    users.staff_a.refresh_from_db()
    client = login(users.staff_a)
    assert client.get(reverse("admin:jinhai_job_change", args=[job.pk])).status_code == 404
    # And if it had not run yet, it does not run in the new scope either.
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "管理范围已变更" in job.error
    assert not job.file


def test_status_answers_json_for_the_progress_bar(world, users, login):
    client = login(users.street)
    status = client.get(reverse("admin:jinhai_job_status", args=[users.job.pk])).json()
    assert status == {
        "status": "queued", "finished": False, "stale": False, "done": 0, "total": 0,
        "percent": None, "step": "",
    }  # fmt: skip
    run_queued_jobs()
    status = client.get(reverse("admin:jinhai_job_status", args=[users.job.pk])).json()
    assert status["status"] == "succeeded" and status["percent"] == 100


def test_a_job_silent_too_long_shows_as_interrupted(world, users, login, settings):
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Job.objects.filter(pk=users.job.pk).update(
        status=JobStatus.RUNNING, done=3, total=10, updated_at=an_hour_ago
    )
    page = login(users.street).get(reverse("admin:jinhai_job_change", args=[users.job.pk]))
    assert "已中断" in page.content.decode() and "后台进程可能已停止" in page.content.decode()


def test_a_job_runs_once_however_often_its_queue_row_comes(world, users):
    job = users.job
    assert services.run(str(job.pk)).startswith("6 张图表") or Job.objects.get(pk=job.pk).finished
    first = Job.objects.get(pk=job.pk)
    assert "未重复运行" in services.run(str(job.pk))
    assert Job.objects.get(pk=job.pk).finished_at == first.finished_at


def test_a_failing_job_says_so_in_chinese_and_keeps_the_traceback_for_admins(world, users):
    no_format = {"model": "communities.compound", "query": "", "post": {}}
    job = services.start(JobKind.EXPORT, user=users.street, title="导出", params=no_format)
    run_queued_jobs()
    job.refresh_from_db()
    # An export form without a format: the export view shows its form again, no file.
    assert job.status == JobStatus.FAILED and job.error == "导出条件已失效,请回到列表重新导出。"
    crash = services.start(
        JobKind.EXPORT, user=users.street, title="导出", params={"model": "communities.compound"}
    )
    run_queued_jobs()
    crash.refresh_from_db()
    assert crash.status == JobStatus.FAILED and crash.error == services.GENERAL_FAILURE
    assert "TypeError" in DBTaskResult.objects.get(id=crash.task_id).traceback


def test_only_system_administrators_back_up_and_purge(world, users, login):
    for user in (users.street, users.staff_a):
        client = login(user)
        assert client.post(reverse("admin:jinhai_job_backup")).status_code == 403
        assert client.post(reverse("admin:jinhai_job_purge"), {"years": 3}).status_code == 403
        changelist = client.get(reverse("admin:jinhai_job_changelist")).content.decode()
        assert reverse("admin:jinhai_job_backup") not in changelist
    assert Job.objects.filter(kind__in=[JobKind.BACKUP, JobKind.PURGE]).count() == 0


def test_a_backup_job_leaves_a_restorable_file(world, users, login, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's online backup waits for the test's own open transaction; "
            "tests/test_worker.py makes a backup on SQLite in a real worker process"
        )
    client = login(users.superuser)
    changelist = client.get(reverse("admin:jinhai_job_changelist")).content.decode()
    assert reverse("admin:jinhai_job_backup") in changelist
    response = client.post(reverse("admin:jinhai_job_backup"))
    download = finished_download(client, response)
    content = body_of(download)
    job = job_of(response)
    job.refresh_from_db()
    assert job.summary.startswith(f"备份完成,{len(content):,} 字节")
    assert content.startswith(b"PGDMP")


def test_a_purge_job_counts_first_then_anonymises(world, users, login):
    from volunteers.models import Appointment

    Appointment.objects.filter(pk=world.a.appointment.pk).update(
        start=datetime.date(2010, 1, 1), end=datetime.date(2012, 1, 1)
    )
    client = login(users.superuser)
    assert "离任满几年" in client.get(reverse("admin:jinhai_job_purge")).content.decode()
    assert client.post(reverse("admin:jinhai_job_purge"), {"years": "0"}).status_code == 200
    dry = job_of(client.post(reverse("admin:jinhai_job_purge"), {"years": 3, "dry_run": "on"}))
    run_queued_jobs()
    dry.refresh_from_db()
    assert dry.status == JobStatus.SUCCEEDED and dry.summary.startswith("将匿名化 1 人")
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.name == "正学楼组长"
    real = job_of(client.post(reverse("admin:jinhai_job_purge"), {"years": 3}))
    run_queued_jobs()
    real.refresh_from_db()
    assert real.summary.startswith("已匿名化 1 人")
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.name != "正学楼组长"


def test_finished_jobs_go_after_a_week_with_their_files(world, users, settings):
    old = services.start(JobKind.FIGURES, user=users.street, title="旧任务")
    old.file.save("old.xlsx", ContentFile(b"x"), save=True)
    path = old.file.path
    Job.objects.filter(pk=old.pk).update(
        status=JobStatus.SUCCEEDED, created_at=timezone.now() - datetime.timedelta(days=8)
    )
    run_queued_jobs()  # the conftest's job runs, and prunes
    assert not Job.objects.filter(pk=old.pk).exists()
    import os

    assert not os.path.exists(path)
    assert Job.objects.filter(pk=users.job.pk).exists()


def test_an_import_job_writes_all_or_nothing_and_names_the_bad_rows(world, users, login):
    from communities.models import BuildingGroup
    from jinhai.imports.base import resource_registry
    from jinhai.jobs.handlers import start_import

    from .sheets import csv_bytes

    places = resource_registry()["places"]
    good = [["社区", "小区", "楼组"]] + [["正学社区", "正学苑", f"{n}号楼"] for n in range(2, 12)]
    url = start_import(
        places,
        user=users.staff_a,
        file_name="楼组.csv",
        content=csv_bytes(good),
        confirm_token=None,
    )
    client = login(users.staff_a)
    job = job_at(url)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.summary.startswith("导入完成:共 10 行,新建 10 行")
    assert BuildingGroup.objects.filter(compound=world.a.compound).count() == 11

    bad = good + [["丰乐社区", "丰乐苑", "9号楼"]]  # another community's row
    url = start_import(
        places, user=users.staff_a, file_name="楼组.csv", content=csv_bytes(bad), confirm_token=None
    )
    run_queued_jobs()
    job = job_at(url)
    assert job.status == JobStatus.FAILED and "第 12 行" in job.error
    assert "第 12 行" in client.get(url).content.decode()
    assert BuildingGroup.objects.filter(compound__community=world.b.community).count() == 1


def test_confirming_a_long_import_in_the_admin_queues_it(world, users, login, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from communities.models import BuildingGroup

    from .sheets import csv_bytes

    settings.JOB_IMPORT_ROWS = 3
    rows = [["社区", "小区", "楼组"]] + [["正学社区", "正学苑", f"{n}号楼"] for n in range(2, 7)]
    client = login(users.staff_a)
    preview = client.post(
        reverse("admin:communities_buildinggroup_import"),
        {
            "format": "0",
            "resource": "0",
            "import_file": SimpleUploadedFile("楼组.csv", csv_bytes(rows)),
        },
    )
    confirm = preview.context["confirm_form"]
    response = client.post(
        reverse("admin:communities_buildinggroup_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    job = job_of(response)
    assert job.kind == JobKind.IMPORT and job.title == "导入 小区楼组:楼组.csv"
    assert BuildingGroup.objects.filter(compound=world.a.compound).count() == 1  # not yet
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert BuildingGroup.objects.filter(compound=world.a.compound).count() == 6
