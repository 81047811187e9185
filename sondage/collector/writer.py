"""One writer with group commit, for SQLite: every write of the process goes through one
thread, which runs the writes waiting at that moment in one transaction and commits them
together.

SQLite takes one writer at a time. With a connection per request, sixteen clients each wait
for the file's lock in SQLite's busy handler (sleeps that grow to 100 ms), so latency is
seconds and a write that waits longer than the busy timeout fails (``database is locked``).
Here requests never compete for the lock: each hands its write (a function of a connection)
to the writer and waits for its result. A write that fails takes only itself down: the group
is rolled back and each of its writes run again alone, so the others are stored and the
failing one gets its own error. When the database itself is away (locked by another process
past the busy timeout, its disk gone: ``away``), every write of the group gets that error at
once, which the routes answer with 503 (``availability``).

PostgreSQL takes concurrent writers itself; a Store on it writes directly (``Store.write``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import sqlalchemy as sa

T = TypeVar("T")
GROUP_MAX = 64          # writes committed together at most (a group of 64 batches of 20 answers)
IDLE = 1.0              # seconds without a write after which the writer's thread ends


class GroupWriter:
    """A thread that runs writes (``fn(connection) -> result``) in groups, one commit each."""

    def __init__(self, engine: sa.Engine, away: Callable[[BaseException], bool]) -> None:
        self.engine = engine
        self.away = away
        self.jobs: queue.SimpleQueue[tuple[Callable[[sa.Connection], Any], Future[Any]] | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None      # started by a write, gone when idle
        self.closed = False

    def write(self, fn: Callable[[sa.Connection], T]) -> T:
        """Run ``fn`` in the next group's transaction; its result once committed (or its error)."""
        done: Future[T] = Future()
        with self.lock:
            if self.closed:
                raise RuntimeError("the collector's database writer is closed")
            self.jobs.put((fn, done))
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="sondage-writer", daemon=True)
                self.thread.start()
        return done.result()

    def close(self) -> None:
        """Finish the writes waiting, then end the thread; a write after this is refused."""
        with self.lock:
            self.closed = True
            thread = self.thread
            if thread is not None:
                self.jobs.put(None)            # wakes the thread: it ends once the writes before are done
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            try:
                first = self.jobs.get(timeout=IDLE)
            except queue.Empty:
                with self.lock:                 # no write came: the thread ends (the next starts one)
                    if self.jobs.empty():
                        self.thread = None
                        return
                continue
            if first is None:
                return
            group = [first]
            ending = False
            while len(group) < GROUP_MAX:
                try:
                    job = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    ending = True
                    break
                group.append(job)
            self._commit(group)
            if ending:
                return

    def _commit(self, group: list[tuple[Callable[[sa.Connection], Any], Future[Any]]]) -> None:
        try:
            with self.engine.begin() as connection:
                results = [fn(connection) for fn, _ in group]
        except Exception as exc:
            if len(group) == 1 or self.away(exc):
                for _, done in group:
                    done.set_exception(exc)
                return
            for job in group:        # one write failed (or the commit): each alone, so only it fails
                self._commit([job])
            return
        for (_, done), result in zip(group, results, strict=True):
            done.set_result(result)
