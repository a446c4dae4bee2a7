from django_tasks import task

from . import services


@task()
def run_job(job_id: str) -> str:
    """The one django-tasks task: every kind of job runs through it (see jobs.services)."""
    return services.run(job_id)
