"""Background jobs in a real worker process: `manage.py db_worker` takes the jobs that the web
node queued, on the same database (SQLite on one machine, PostgreSQL anywhere)."""

import contextlib
import csv
import io
import json
import signal
import sqlite3
import subprocess

from openpyxl import load_workbook

from .served import Browser, Gunicorn, Worker, wait_for


def finished(browser, job_path):
    """Poll the job's status as its page does, until it has finished."""

    def poll():
        status, _, body = browser.get(job_path.replace("/change/", "/status/"))
        assert status == 200, status
        state = json.loads(body)
        return state if state["finished"] else None

    return wait_for(poll, timeout=90, what=f"the job at {job_path}")


def test_the_worker_runs_what_the_admin_queued(site, tmp_path):
    # Exports of more than 2 rows are jobs on this node.
    web = Gunicorn(site, env={"JOB_EXPORT_ROWS": "2"})
    worker = Worker(site)
    try:
        staff = Browser(web.url)
        staff.log_in("staff_a")

        # The dashboard's workbook.
        status, headers = staff.submit("/admin/figures/")
        assert status == 302 and "/admin/jinhai/job/" in headers["Location"], (status, headers)
        job = headers["Location"]
        assert (
            "进行中" in staff.text(job)
            or "排队中" in staff.text(job)
            or "已完成" in staff.text(job)
        )
        state = finished(staff, job)
        assert state["status"] == "succeeded", (state, worker.output())
        page = staff.text(job)
        assert "下载" in page and "已完成" in page
        status, headers, content = staff.get(job.replace("/change/", "/download/"))
        assert status == 200 and "attachment" in headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(content))
        assert [row[0] for row in book["各社区楼组长覆盖"].iter_rows(values_only=True)][1:] == [
            "正学社区"
        ]

        # A change list's export of more rows than JOB_EXPORT_ROWS: only the user's community.
        status, headers = staff.submit(
            "/admin/communities/compound/export/",
            {"format": "1"},
        )
        assert status == 302, status
        job = headers["Location"]
        assert finished(staff, job)["status"] == "succeeded"
        _, _, content = staff.get(job.replace("/change/", "/download/"))
        rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        # The export's columns are the 小区楼组 import's Chinese headers (jinhai.exports).
        name = next(header for header in rows.fieldnames if header.startswith("小区"))
        assert {row[name] for row in rows} == {"正学0苑", "正学1苑", "正学2苑"}
        # Nobody else reads it.
        other = Browser(web.url)
        other.log_in("street")
        assert other.get(job)[0] == 404
        assert other.get(job.replace("/change/", "/download/"))[0] == 404

        # A backup, started by the system administrator.
        root = Browser(web.url)
        root.log_in("root")
        status, headers = root.submit("/admin/jinhai/job/", action="/backup/")
        assert status == 302, status
        job = headers["Location"]
        state = finished(root, job)
        assert state["status"] == "succeeded", (state, worker.output())
        _, headers, content = root.get(job.replace("/change/", "/download/"))
        if site.env["DATABASE_URL"].startswith("sqlite"):
            path = tmp_path / "restored.sqlite3"
            path.write_bytes(content)
            with sqlite3.connect(path) as restored:
                names = {n for (n,) in restored.execute("SELECT name FROM communities_community")}
            assert names == {"正学社区", "丰乐社区"}
        else:
            assert content.startswith(b"PGDMP")
    finally:
        web.stop()
        # SIGTERM: the worker finishes what it runs and stops cleanly.
        worker.process.send_signal(signal.SIGTERM)
        # Wait for it here: `stop()` signals again while the process runs, and a second SIGTERM
        # during a slow shutdown (a loaded machine) forces the worker out with -15.
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=60)
        assert worker.stop() == 0, worker.output()
