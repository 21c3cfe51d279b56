"""Start test nodes by forking a process that has already imported Axon.

A node's start used to be a new interpreter importing Axon: about 1.2 of its 1.7 seconds, paid
some two hundred times per database pass. The zygote imports ``axon.cli`` (and through it the
whole server) once per test process, then forks a node for each start: the child sets its
environment, working folder and log as a new process would have had them, and runs
``python -m axon …`` exactly as the command line does. A forked node is a real, separate process:
``kill -9``, SIGTERM and exit codes behave as before (the zygote reaps its children and reports
their exit codes the way ``subprocess`` does: negative for a signal).

Run as ``python -m tests.support.zygote``; the test side is ``Zygote`` (one per test process,
``Zygote.shared()``). ``AXON_TEST_ZYGOTE=0`` makes ``ServerProcess`` start interpreters instead.
The zygote is single-threaded when it forks, so no lock can be held by a thread the child lacks.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


# --- the zygote process ---------------------------------------------------------------------------

def _run_child(request: dict[str, Any]) -> None:
    """In the forked child: become the node ``python -m axon <args>`` would have been. Never returns."""
    code = 1
    try:
        os.setsid()  # its own process group, as a Popen child in the tests' hands is
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = ["axon", *request["args"]]
        import runpy
        try:
            runpy.run_module("axon", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - a crash must end the child with the traceback in its log
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()  # nothing buffered may be inherited by the next child


def _reap(children: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _say({"exit": children.pop(pid), "code": os.waitstatus_to_exitcode(status)})


def main() -> None:
    import axon.app  # noqa: F401 - the imports every node needs, done once here
    import axon.cli  # noqa: F401

    # Children are named by the number of their spawn, not their pid: a pid is reused once reaped.
    children: dict[int, int] = {}
    spawns = 0
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        _reap(children)
        if not readable:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            return  # the test process has gone; its nodes are stopped by its fixtures (or orphaned, as before)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _run_child(request)
            spawns += 1
            children[pid] = spawns
            _say({"spawned": spawns, "pid": pid})


# --- the test side ----------------------------------------------------------------------------------

class Zygote:
    """The test process's handle on its zygote: spawn nodes, learn how they ended."""

    _shared: Zygote | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.zygote"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._requests = threading.Lock()  # one spawn at a time: replies come in request order
        self._changed = threading.Condition()
        self._spawned: list[tuple[int, int]] = []  # (spawn number, pid)
        self._exits: dict[int, int] = {}
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    @classmethod
    def shared(cls) -> Zygote:
        with cls._shared_lock:
            if cls._shared is None or cls._shared.proc.poll() is not None:
                cls._shared = cls()
            return cls._shared

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            with self._changed:
                if "spawned" in message:
                    self._spawned.append((message["spawned"], message["pid"]))
                else:
                    self._exits[message["exit"]] = message["code"]
                self._changed.notify_all()
        with self._changed:  # the zygote died: nothing more will be reported
            self._changed.notify_all()

    def spawn(self, args: list[str], env: dict[str, str], log: Path, cwd: Path) -> Forked:
        assert self.proc.stdin is not None
        with self._requests:
            request = {"args": args, "env": env, "log": str(log), "cwd": str(cwd)}
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            with self._changed:
                if not self._changed.wait_for(lambda: self._spawned or self.proc.poll() is not None, 30):
                    raise RuntimeError("the test zygote did not answer")
                if not self._spawned:
                    raise RuntimeError(f"the test zygote exited with {self.proc.returncode}")
                spawn, pid = self._spawned.pop(0)
                return Forked(self, spawn, pid)

    def exit_code(self, spawn: int) -> int | None:
        with self._changed:
            return self._exits.get(spawn)

    def wait_exit(self, spawn: int, timeout: float | None) -> int:
        with self._changed:
            if not self._changed.wait_for(lambda: spawn in self._exits or self.proc.poll() is not None, timeout):
                raise subprocess.TimeoutExpired(f"node {spawn}", timeout or 0)
            if spawn not in self._exits:
                raise RuntimeError("the test zygote died before its node ended")
            return self._exits[spawn]


class Forked:
    """A node forked by the zygote, with the part of ``subprocess.Popen`` the tests use."""

    def __init__(self, zygote: Zygote, spawn: int, pid: int) -> None:
        self.zygote = zygote
        self.spawn = spawn
        self.pid = pid

    @property
    def returncode(self) -> int | None:
        return self.zygote.exit_code(self.spawn)

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass  # ended between the check and the signal; its exit is on its way

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def wait(self, timeout: float | None = None) -> int:
        return self.zygote.wait_exit(self.spawn, timeout)


if __name__ == "__main__":
    main()
