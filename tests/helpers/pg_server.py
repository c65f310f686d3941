"""A throw-away PostgreSQL server for tests: ``initdb`` + ``pg_ctl`` in a temp dir, listening on a unix socket only.

PostgreSQL refuses to run as root; when the tests run as root, the server runs as the ``postgres`` system user
(``runuser``), which owns the data directory. The server is stopped (``pg_ctl stop -m immediate``) when the context
exits, whatever happened inside.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def available() -> str | None:
    """None when a server can be started here, else why not (for ``pytest.skip``)."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if shutil.which(tool) is None:
            return f"{tool} is not on the PATH"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _uid("postgres") is None):
        return "running as root without a 'postgres' user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install -e .[postgres])"
    return None


def _uid(user: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None


def _run(args: list[str], as_user: str | None, **kw) -> subprocess.CompletedProcess:
    cmd = (["runuser", "-u", as_user, "--"] if as_user else []) + args
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@contextlib.contextmanager
def postgres_server(dbname: str = "neuronas"):
    """Start a server; yields the SQLAlchemy URL of database ``dbname`` (``postgresql+psycopg://``)."""
    as_user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if as_user:
        uid = _uid(as_user)
        for p in (root, sock):
            os.chown(p, uid, -1)
    started = False
    try:
        r = _run(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], as_user,
                 timeout=120)
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()}")
        opts = f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=50"
        r = _run(["pg_ctl", "-D", str(data), "-o", opts, "-l", str(root / "server.log"), "-w", "-t", "60",
                  "start"], as_user, timeout=90)
        if r.returncode:
            log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log[-500:]}")
        started = True
        import psycopg

        for _ in range(50):
            try:
                with psycopg.connect(host=str(sock), user="postgres", dbname="postgres", autocommit=True) as con:
                    con.execute(f'CREATE DATABASE "{dbname}"')
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@/{dbname}?host={sock}"
    finally:
        if started:
            _run(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"], as_user, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
