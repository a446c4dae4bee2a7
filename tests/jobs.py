"""Running queued background jobs inside a test, the way `manage.py db_worker` runs them."""

from django.urls import resolve, reverse
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from jinhai.jobs.models import Job


def run_queued_jobs() -> int:
    """Run every queued task through django-tasks-db's own worker code; return how many."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    )
    ran = 0
    for result in list(DBTaskResult.objects.ready()):
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def job_at(url) -> Job:
    """The job whose page `url` is."""
    match = resolve(url)
    assert match.url_name == "jinhai_job_change", url
    return Job.objects.get(pk=match.kwargs["object_id"])


def job_of(response) -> Job:
    """The job a view queued and redirected to."""
    assert response.status_code == 302, response.status_code
    return job_at(response["Location"])


def finished_download(client, response):
    """Follow a view that queued a job: run it, then download its file as the same user."""
    job = job_of(response)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == "succeeded", (job.status, job.error)
    return client.get(reverse("admin:jinhai_job_download", args=[job.pk]))
