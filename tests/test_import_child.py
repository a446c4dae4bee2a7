"""Reading an upload in a child process with capped memory (jinhai/imports/child.py): past the
cap, or past the time allowed, the user reads why in Chinese and nothing is written."""

import functools
import io
import os
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communities.models import BuildingGroup
from communities.resources import PlacesResource
from jinhai.imports.child import TOO_SLOW, memory_message, run_capped
from jinhai.imports.reading import SheetError, read_sheet
from jinhai.jobs.models import JobStatus

from .jobs import job_at, run_queued_jobs


@functools.cache
def _places_xlsx(rows: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("小区楼组")
    sheet.append(["社区", "小区", "楼组", "户数", "地址"])
    for i in range(rows):
        sheet.append(["正学社区", "正学苑", f"{i + 2}号楼", 12 + i % 30, f"金海路{i}号"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read(data):
    return read_sheet(
        data,
        known_headers=PlacesResource.known_headers(),
        required_headers=PlacesResource.required_headers(),
    )


def test_the_child_hands_back_what_it_read(settings):
    settings.IMPORT_READ_MEMORY_MB = 200
    assert run_capped(os.getpid) != os.getpid()
    sheet = _read(_places_xlsx(30))
    assert len(sheet.rows) == 30 and sheet.rows[0][1][:3] == ["正学社区", "正学苑", "2号楼"]
    assert len(sheet.sha256) == 64


def test_a_refusal_in_the_child_keeps_its_message(settings):
    settings.IMPORT_READ_MEMORY_MB = 200
    with pytest.raises(SheetError, match="不支持 JSON 文件"):
        _read(b'{"a": 1}')


def _allocate(mb):
    return len(bytearray(mb * 1024 * 1024))


def test_python_running_out_of_the_cap_is_the_memory_message(settings):
    settings.IMPORT_READ_MEMORY_MB = 50
    assert run_capped(_allocate, 10) == 10 * 1024 * 1024
    with pytest.raises(SheetError) as refused:
        run_capped(_allocate, 400)
    assert str(refused.value) == memory_message(50)
    assert "超过了上限(50 MB)" in str(refused.value)


# Reading it takes some 60 MB more than the process had; a cap of 1 MB leaves it only the free
# memory the parent's heap already held (the child inherits it), never enough for it.
BIG = 50_000


def test_calamine_running_out_of_the_cap_is_the_memory_message(settings):
    """calamine aborts the process when an allocation fails: the child dies, the parent says
    why, and goes on."""
    settings.IMPORT_READ_MEMORY_MB = 1
    with pytest.raises(SheetError) as refused:
        _read(_places_xlsx(BIG))
    assert str(refused.value) == memory_message(1)
    settings.IMPORT_READ_MEMORY_MB = 400
    assert len(_read(_places_xlsx(BIG)).rows) == BIG


def test_a_child_that_takes_too_long_is_ended(settings):
    settings.IMPORT_READ_MEMORY_MB = 50
    settings.IMPORT_READ_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(SheetError) as refused:
        run_capped(time.sleep, 30)
    assert str(refused.value) == TOO_SLOW
    assert time.monotonic() - started < 10


def test_an_upload_over_the_cap_is_refused_on_the_import_page(world, users, login, settings):
    settings.IMPORT_READ_MEMORY_MB = 1
    client = login(users.staff_a)
    before = BuildingGroup.objects.count()
    response = client.post(
        reverse("admin:communities_buildinggroup_import"),
        {
            "format": "0",
            "resource": "0",
            "import_file": SimpleUploadedFile("楼组.xlsx", _places_xlsx(BIG)),
        },
    )
    assert response.status_code == 200
    assert memory_message(1) in response.content.decode()
    assert "confirm_form" not in response.context
    assert BuildingGroup.objects.count() == before


def test_an_import_job_over_the_cap_fails_with_the_message(world, users, settings):
    from jinhai.imports.base import resource_registry
    from jinhai.jobs.handlers import start_import

    settings.IMPORT_READ_MEMORY_MB = 1
    before = BuildingGroup.objects.count()
    url = start_import(
        resource_registry()["places"],
        user=users.staff_a,
        file_name="楼组.xlsx",
        content=_places_xlsx(BIG),
        confirm_token=None,
    )
    run_queued_jobs()
    job = job_at(url)
    assert job.status == JobStatus.FAILED
    assert memory_message(1) in job.error
    assert BuildingGroup.objects.count() == before
