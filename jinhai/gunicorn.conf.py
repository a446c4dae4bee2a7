# gunicorn -c jinhai/gunicorn.conf.py jinhai.wsgi
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60
# Imports of big spreadsheets are bounded by the importer's own limits, not by a long timeout.
# A worker is replaced after this many requests, a guard against slow memory growth. Each
# replacement costs a moment of capacity (new connections, cold caches): at 2,000 requests the
# load benchmark lost about a third of its throughput to it (README, bench/load_public.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
accesslog = "-"
