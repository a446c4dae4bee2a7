"""Faults: an import's process killed mid-way leaves all of the import or none of it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from communities.models import BuildingGroup, Compound

from .sheets import csv_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_import_killed_with_sigkill_writes_all_or_nothing(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the killed process and the test must share a database server")
    from django.contrib.auth.models import Group

    from communities.roles import STREET_STAFF

    from .conftest import _places
    from .factories import StaffProfileFactory, SubdistrictFactory, UserFactory

    place = _places(SubdistrictFactory(name="故障街道"), "故障社区", "故障苑")
    user = UserFactory(username="importer")
    user.groups.add(Group.objects.get(name=STREET_STAFF))
    StaffProfileFactory(user=user, subdistrict=place.community.subdistrict)
    rows = [["社区", "小区", "楼组", "户数"]] + [
        ["故障社区", f"故障{i // 40}苑", f"{i % 40}号楼", "12"] for i in range(60_000)
    ]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows))
    settings = connection.settings_dict
    host, port = settings["HOST"] or "localhost", settings["PORT"] or 5432
    url = f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jinhai.settings_test"}
    before = BuildingGroup.objects.count()
    outcomes = set()
    for delay in (0.5, 1.5, 2.5, 3.5, 5.0):
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "import_sheet",
                "places",
                str(path),
                "--user",
                "importer",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        added = BuildingGroup.objects.count() - before
        assert added in (0, 60_000), f"killed after {delay}s: {added} rows written"
        outcomes.add(added)
        if added:
            break
    # Whatever happened, the compounds it wrote belong to a whole import too.
    assert Compound.objects.filter(name__startswith="故障").exclude(name="故障苑").count() in (
        0,
        1500,
    )
    assert outcomes  # at least one run was observed
