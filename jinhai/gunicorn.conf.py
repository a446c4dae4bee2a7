# gunicorn -c jinhai/gunicorn.conf.py jinhai.wsgi
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60
# Imports of big spreadsheets are bounded by the importer's own limits, not by a long timeout.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
