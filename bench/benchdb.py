"""A throwaway PostgreSQL database for a benchmark: created empty, dropped afterwards."""

import contextlib
import os


@contextlib.contextmanager
def throwaway_database(default_url):
    """Yield the URL of an empty database (`BENCH_DATABASE_URL` or `default_url`), dropped on the
    way out even while a server or Django still holds connections to it (WITH FORCE)."""
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", default_url)
    server, name = url.rsplit("/", 1)
    admin_url = server + "/postgres"

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        drop()
