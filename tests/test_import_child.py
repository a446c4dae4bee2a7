"""Reading an upload in a child process with capped memory (jinhai/imports/child.py): past the
cap, or past the time allowed, the user reads why in Chinese and nothing is written."""

import functools
import io
import os
import subprocess
import sys
import time
from pathlib import Path

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


# More than any heap the child inherits could hold free: the cap, not chance, refuses it.
TOO_MUCH_MB = 4096


def test_python_running_out_of_the_cap_is_the_memory_message(settings):
    settings.IMPORT_READ_MEMORY_MB = 50
    assert run_capped(_allocate, 10) == 10 * 1024 * 1024
    with pytest.raises(SheetError) as refused:
        run_capped(_allocate, TOO_MUCH_MB)
    assert str(refused.value) == memory_message(50)
    assert "超过了上限(50 MB)" in str(refused.value)


# Reading it takes some 60 MB more than a fresh process has.
BIG = 50_000
READ_IN_A_FRESH_PROCESS = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "jinhai.settings"
django.setup()
from communities.resources import PlacesResource
from jinhai.imports.reading import SheetError, read_sheet
try:
    sheet = read_sheet(sys.stdin.buffer.read(), known_headers=PlacesResource.known_headers(),
                       required_headers=PlacesResource.required_headers())
    print(len(sheet.rows))
except SheetError as exc:
    print(exc)
"""


@pytest.mark.parametrize("cap", [1, 400])
def test_calamine_running_out_of_the_cap_is_the_memory_message(cap):
    """calamine aborts the process when an allocation fails: the child dies, the parent says
    why, and goes on. Run from a fresh process, whose heap holds nothing free that the child
    could use instead (this test process's would)."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", READ_IN_A_FRESH_PROCESS],
        input=_places_xlsx(BIG),
        capture_output=True,
        cwd=root,
        env={**os.environ, "IMPORT_READ_MEMORY_MB": str(cap), "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    said = out.stdout.decode().strip()
    assert said == (memory_message(cap) if cap == 1 else str(BIG))


def test_a_child_that_takes_too_long_is_ended(settings):
    settings.IMPORT_READ_MEMORY_MB = 50
    settings.IMPORT_READ_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(SheetError) as refused:
        run_capped(time.sleep, 30)
    assert str(refused.value) == TOO_SLOW
    assert time.monotonic() - started < 10


def _read_too_much(*args):
    return _allocate(TOO_MUCH_MB)


def test_an_upload_over_the_cap_is_refused_on_the_import_page(
    world, users, login, settings, monkeypatch
):
    settings.IMPORT_READ_MEMORY_MB = 1
    monkeypatch.setattr("jinhai.imports.reading._read", _read_too_much)
    client = login(users.staff_a)
    before = BuildingGroup.objects.count()
    response = client.post(
        reverse("admin:communities_buildinggroup_import"),
        {
            "format": "0",
            "resource": "0",
            "import_file": SimpleUploadedFile("楼组.xlsx", _places_xlsx(30)),
        },
    )
    assert response.status_code == 200
    assert memory_message(1) in response.content.decode()
    assert "confirm_form" not in response.context
    assert BuildingGroup.objects.count() == before


def test_an_import_job_over_the_cap_fails_with_the_message(world, users, settings, monkeypatch):
    from jinhai.imports.base import resource_registry
    from jinhai.jobs.handlers import start_import

    settings.IMPORT_READ_MEMORY_MB = 1
    monkeypatch.setattr("jinhai.imports.reading._read", _read_too_much)
    before = BuildingGroup.objects.count()
    url = start_import(
        resource_registry()["places"],
        user=users.staff_a,
        file_name="楼组.xlsx",
        content=_places_xlsx(30),
        confirm_token=None,
    )
    run_queued_jobs()
    job = job_at(url)
    assert job.status == JobStatus.FAILED
    assert memory_message(1) in job.error
    assert BuildingGroup.objects.count() == before
