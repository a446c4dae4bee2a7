"""A real PostgreSQL streaming replica of the machine's PostgreSQL, for tests/test_replica.py.

`pg_basebackup -R` copies the running cluster into a temporary folder as a standby of it, and
`pg_ctl` starts that copy on a free port; it streams from the primary until the test stops it
and removes the folder. The primary is never restarted: if its pg_hba.conf has no line for
replication connections from 127.0.0.1, one is added and the server reloaded, and the file is
put back as it was afterwards (and reloaded again).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from .served import free_port

# A copy of more than this is too slow for a test (someone's benchmark database, say).
MAX_CLUSTER_BYTES = 2 * 1024**3
HBA_LINE = "host replication all 127.0.0.1/32 trust  # added by jinhai's tests/replica.py\n"


class NoReplica(Exception):
    """Why no replica can be made here (the test is skipped with it)."""


def _run_as_owner(command, **kwargs):
    # PostgreSQL refuses to run as root: as root, run the copy as the postgres user.
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


def _tool(name):
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise NoReplica(f"{name} is not installed (Debian: postgresql)")


@contextlib.contextmanager
def _replication_allowed(primary):
    hba = Path(primary.execute("SHOW hba_file").fetchone()[0])
    lines = hba.read_text().splitlines()
    if any(line.split()[:2] == ["host", "replication"] for line in lines if line.strip()):
        yield
        return
    if not os.access(hba, os.W_OK):
        raise NoReplica(f"{hba} allows no replication connection and cannot be changed here")
    original = hba.read_text()
    hba.write_text(original + HBA_LINE)
    primary.execute("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        hba.write_text(original)
        primary.execute("SELECT pg_reload_conf()")


@contextlib.contextmanager
def streaming_replica(host: str, port: int, user: str):
    """Yield the port of a hot standby streaming from the primary at host:port."""
    basebackup, pg_ctl = _tool("pg_basebackup"), _tool("pg_ctl")
    primary = psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True)
    with primary:
        may = "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"
        if not primary.execute(may).fetchone()[0]:
            raise NoReplica(f"user {user} may not replicate")
        size = primary.execute("SELECT sum(pg_database_size(oid)) FROM pg_database").fetchone()[0]
        if size > MAX_CLUSTER_BYTES:
            raise NoReplica(
                f"the cluster holds {size / 1024**3:.1f} GB: too much to copy for a test"
            )
        folder = Path(tempfile.mkdtemp(prefix="jinhai-replica-"))
        data = folder / "data"
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        replica_port = free_port()
        try:
            with _replication_allowed(primary):
                copied = _run_as_owner(
                    [basebackup, "-h", host, "-p", str(port), "-U", user, "-D", str(data),
                     "-R", "-X", "stream", "-c", "fast"]
                )  # fmt: skip
                if copied.returncode:
                    raise NoReplica(f"pg_basebackup failed: {copied.stderr.strip()}")
                # Debian keeps the configuration outside the data folder: the copy gets its own.
                for name, text in (
                    ("postgresql.conf", ""),
                    ("pg_hba.conf", "host all all 127.0.0.1/32 trust\n"),
                    ("pg_ident.conf", ""),
                ):
                    path = data / name
                    if not path.exists() or name == "pg_hba.conf":
                        path.write_text(text)
                        if os.geteuid() == 0:
                            shutil.chown(path, "postgres")
                options = (
                    f"-p {replica_port} -c listen_addresses=127.0.0.1 "
                    f"-c unix_socket_directories={folder} -c hot_standby=on "
                    "-c shared_buffers=32MB"
                )
                started = _run_as_owner(
                    [
                        pg_ctl,
                        "-D",
                        str(data),
                        "-l",
                        str(folder / "log"),
                        "-o",
                        options,
                        "-w",
                        "start",
                    ]
                )
                if started.returncode:
                    log = (folder / "log").read_text() if (folder / "log").exists() else ""
                    raise NoReplica(f"the replica did not start: {started.stderr}{log[-2000:]}")
                try:
                    _wait_streaming(replica_port, user)
                    yield replica_port
                finally:
                    _run_as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _wait_streaming(port, user, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user=user, dbname="postgres") as c:
                if c.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.3)
    raise NoReplica("the replica did not come up as a standby")
