"""A real, throwaway PostgreSQL server for the tests and the benchmarks: Debian's binaries,
a temporary data directory, 127.0.0.1 and a free port; stopped at the end. No mocks."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server on a data directory of its own in ``folder``: started, and stopped
    and started again on the same port (a database restarting under a running collector)."""

    def __init__(self, folder: Path) -> None:
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql")
        self.bindir = bindir
        self.folder = folder
        self.as_user: list[str] = []
        if os.geteuid() == 0:       # initdb and postgres refuse to run as root
            pwd.getpwnam("postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")
        self.data = folder / "data"
        subprocess.run([*self.as_user, str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                        "--no-sync", "-E", "UTF8"], check=True, capture_output=True, timeout=120)
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it takes connections."""
        with (self.folder / "postgres.log").open("a") as log:
            self.process = subprocess.Popen(
                [*self.as_user, str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        ready = str(self.bindir / "pg_isready")
        while subprocess.run([ready, "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start:\n" + (self.folder / "postgres.log").read_text()[-2000:])
            time.sleep(0.05)   # polling for the server, bounded by the deadline

    def stop(self) -> None:
        """Stop it as an operator's restart does (a fast shutdown: clients are disconnected)."""
        if self.process is None:
            return
        # pg_ctl signals the server itself (not the runuser wrapper) and waits until it is down.
        stopped = subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data),
                                  "-m", "fast", "-w", "-t", "30"], capture_output=True)
        try:
            self.process.wait(timeout=30 if stopped.returncode == 0 else 1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """Yields a URL (postgresql://postgres@127.0.0.1:<port>/postgres) of a fresh server."""
    server = PostgresServer(folder)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def new_database(server_url: str, name: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    with psycopg.connect(server_url.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
