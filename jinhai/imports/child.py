"""Reading an uploaded file in a child process whose memory is capped.

Reading is where a stranger's bytes meet a parser: calamine (Rust) inflates and decodes the
whole sheet, and a file can ask for far more memory than its size suggests. Rust does not raise
when an allocation fails, it aborts the process; in the web request that would take down a
gunicorn worker with every request on its threads, in `db_worker` every job after it. So the
file is read in a forked child with its address space capped (`IMPORT_READ_MEMORY_MB`, through
RLIMIT_AS): past the cap the child fails (a MemoryError, or calamine's abort), the parent reports
it in Chinese and nothing else is touched. The child reads no database; it hands back the rows
as read (a `Sheet`, pickled through a pipe), and everything after reading (lookups, checks,
writes) runs in the process that asked, where the row limit bounds it.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import pickle
import resource
import select
import signal
import time

from django.conf import settings

from .table import SheetError

logger = logging.getLogger("jinhai.imports")


def memory_message(limit_mb: int) -> str:
    return (
        f"读取该文件所需的内存超过了上限({limit_mb} MB),未导入任何数据。"
        "文件中的数据可能过多(或文件已损坏)。请把文件拆分成几个较小的文件后分别导入,"
        "或删除多余的空行、空列和格式后另存再导入。"
    )


TOO_SLOW = (
    "读取该文件用时过长,已停止,未导入任何数据。"
    "请把文件拆分成几个较小的文件,或删除多余的空行、空列和格式后另存再导入。"
)


def _address_space() -> int:
    """This process's mapped address space in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_capped(function, *args, **kwargs):
    """`function(*args, **kwargs)` in a forked child allowed `IMPORT_READ_MEMORY_MB` more
    address space than it was born with; its return value (pickled) or its SheetError comes
    back. Past the cap: SheetError(memory_message). Without fork (or with the setting 0), it
    runs here, uncapped."""
    limit_mb = getattr(settings, "IMPORT_READ_MEMORY_MB", 0)
    if limit_mb <= 0 or not hasattr(os, "fork") or not os.path.exists("/proc/self/status"):
        return function(*args, **kwargs)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, limit_mb, function, args, kwargs)
    os.close(write_end)
    chunks, timed_out = [], False
    deadline = time.monotonic() + getattr(settings, "IMPORT_READ_SECONDS", 300)
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                # A child that hangs (a parser stuck at the cap) is ended: it is ours.
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        logger.warning("the reading child took too long and was ended (cap %s MB)", limit_mb)
        raise SheetError(TOO_SLOW)
    data = b"".join(chunks)
    outcome = None
    if data:
        try:
            outcome = pickle.loads(data)
        except Exception:  # a child cut off while writing (killed at the cap)
            outcome = None
    if outcome is None:
        if os.WIFSIGNALED(status):
            logger.warning(
                "the reading child died of signal %s (cap %s MB)", os.WTERMSIG(status), limit_mb
            )
            raise SheetError(memory_message(limit_mb))
        raise RuntimeError(f"the reading child exited with status {status} and no result")
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "memory":
        raise SheetError(memory_message(limit_mb))
    if kind == "refused":
        raise SheetError(value)
    raise RuntimeError(f"the reading child failed: {value}")


def _child(write_end, limit_mb, function, args, kwargs):
    status = 0
    try:
        # The child leaves the parent's signal handlers (gunicorn's, the worker's) alone.
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(number, signal.SIG_DFL)
        # A Rust panic's backtrace, printed at the cap, allocates under the lock that running
        # out of memory then waits for: the child would hang instead of failing.
        os.environ["RUST_BACKTRACE"] = "0"
        # Dying at the cap is this child's expected way to fail, not a crash to dump.
        faulthandler.disable()
        cap = _address_space() + limit_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        try:
            outcome = ("ok", function(*args, **kwargs))
        except MemoryError:
            outcome = ("memory", None)
        except SheetError as exc:
            outcome = ("refused", str(exc))
        except Exception as exc:  # reported by the parent, which logs it
            outcome = ("failed", repr(exc))
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", None))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        status = 1
    finally:
        # No atexit, no closing of the parent's database connections and files.
        os._exit(status)
