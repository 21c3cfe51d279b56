"""ejabberd as a server under test, started and stopped by the suite itself (``--servers axon,ejabberd``).

Debian's ejabberd 23.01 (``apt-get install ejabberd``) runs with ``bench/configs/ejabberd.yml``
(the peers' config, free ports filled in) as the ``ejabberd`` user, in the foreground, as a
child of this process, so that:

* CPU placement is the same as the Axon node's: ``sched_setaffinity`` to the server CPU in the
  child before ``exec`` (the Erlang VM then starts one scheduler per allowed CPU);
* the open-files limit is raised to the hard limit (10,000 connections in W1);
* its PIDs are simply our child's process tree (``beam.smp``, ``erl_child_setup`` and its
  helpers), sampled by ``bench.procfs`` like the Axon node's.

The machine also runs RabbitMQ, another Erlang VM with its own ``epmd``: this VM is started in
epmd-less mode (``ERL_DIST_PORT``), so it neither starts nor registers with an ``epmd``, and it
is stopped by the PID we started (SIGTERM makes the VM run ``init:stop()``), never by name.

State (mnesia spool with the registered accounts, logs, the generated config) lives under
``/tmp/axon-bench-ejabberd/``; the spool is kept between runs so accounts are registered once
(``rm -rf /tmp/axon-bench-ejabberd`` for a fresh start).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from typing import Any

import httpx

from .node import free_port, prepare_server_child
from .procfs import descendants

STATE_DIR = "/tmp/axon-bench-ejabberd"
CONFIG_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "ejabberd.yml")
EJABBERDCTL = "/usr/sbin/ejabberdctl"
USER = "ejabberd"
DOMAIN, MUC_DOMAIN = "localhost", "conference.localhost"
PASSWORD = "benchpass"
INSTALL_HINT = (
    "ejabberd is not installed. Install Debian's package without starting the system service:\n"
    "  printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d\n"
    "  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ejabberd; rm -f /usr/sbin/policy-rc.d\n"
    "or run `make bench-peers`."
)


class PeerServerError(Exception):
    pass


def installed() -> bool:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return False
    return os.path.exists(EJABBERDCTL) and os.path.exists("/etc/ejabberd/ejabberdctl.cfg")


def version() -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "ejabberd"], capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class Ejabberd:
    """``start`` / ``stop`` one ejabberd VM; ``pids()`` gives its process tree to sample."""

    name = "ejabberd"

    def __init__(self, cpus: set[int] | None = None, state_dir: str = STATE_DIR) -> None:
        if not installed():
            raise PeerServerError(INSTALL_HINT)
        self.cpus = cpus
        self.state_dir = state_dir
        self.etc = os.path.join(state_dir, "etc")
        self.spool = os.path.join(state_dir, "spool")
        self.logs = os.path.join(state_dir, "logs")
        self.c2s_port = self.http_port = self.dist_port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = os.path.join(self.logs, "console.log")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/api"

    def _write_config(self) -> None:
        for d in (self.etc, self.spool, self.logs):
            os.makedirs(d, exist_ok=True)
        self.c2s_port, self.http_port, self.dist_port = free_port(), free_port(), free_port()
        with open(CONFIG_TEMPLATE) as fh:
            yml = fh.read().replace("@C2S_PORT@", str(self.c2s_port)).replace("@HTTP_PORT@", str(self.http_port))
        with open(os.path.join(self.etc, "ejabberd.yml"), "w") as fh:
            fh.write(yml)
        # Debian's ejabberdctl.cfg hard-sets EJABBERD_CONFIG_PATH (it would override --config-dir) and a
        # PID file under /run; ERL_DIST_PORT makes the VM epmd-less (see the module docstring).
        with open("/etc/ejabberd/ejabberdctl.cfg") as fh:
            lines = [ln for ln in fh if not ln.startswith(("EJABBERD_CONFIG_PATH", "EJABBERD_PID_PATH"))]
        lines += [f"EJABBERD_PID_PATH={self.state_dir}/ejabberd.pid\n", f"ERL_DIST_PORT={self.dist_port}\n"]
        with open(os.path.join(self.etc, "ejabberdctl.cfg"), "w") as fh:
            fh.writelines(lines)
        shutil.copy("/etc/ejabberd/inetrc", os.path.join(self.etc, "inetrc"))
        ent = pwd.getpwnam(USER)
        for root, dirs, files in os.walk(self.state_dir):
            for entry in [root] + [os.path.join(root, x) for x in dirs + files]:
                os.chown(entry, ent.pw_uid, ent.pw_gid)

    def start(self) -> Ejabberd:
        self._write_config()
        home = pwd.getpwnam(USER).pw_dir
        # setpriv (not su/PAM) keeps the open-files limit and the CPU affinity set in _prepare_child.
        cmd = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "env", f"HOME={home}",
               EJABBERDCTL, "--config-dir", self.etc, "--spool", self.spool, "--logs", self.logs, "foreground"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.spool, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=self._prepare_child)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare_child(self) -> None:
        prepare_server_child(self.cpus)

    def _wait_ready(self, timeout_s: float = 90) -> None:
        """Until the c2s port accepts and the HTTP API answers ``status`` (the VM takes a few seconds)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise PeerServerError(f"ejabberd exited with {self.proc.returncode}; log: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.c2s_port), timeout=1):
                    pass
                r = httpx.post(f"{self.api_url}/status", json={}, timeout=5)
                if r.status_code == 200 and "started" in r.text:
                    return
            except (OSError, httpx.HTTPError):
                pass
            time.sleep(0.5)
        raise PeerServerError(f"ejabberd not ready after {timeout_s} s; log: {self.log_tail()}")

    def log_tail(self, n: int = 2000) -> str:
        out = ""
        for path in (self.log_path, os.path.join(self.logs, "ejabberd.log"), os.path.join(self.logs, "error.log")):
            if os.path.exists(path):
                with open(path, "rb") as fh:
                    out += f"\n--- {path}\n" + fh.read()[-n:].decode(errors="replace")
        return out

    def pids(self) -> list[int]:
        if self.proc is None or not os.path.exists(f"/proc/{self.proc.pid}"):
            return []
        return descendants([self.proc.pid])

    def beam_pid(self) -> int | None:
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/comm") as fh:
                    if fh.read().strip() == "beam.smp":
                        return pid
            except OSError:
                pass
        return None

    def stop(self) -> None:
        """SIGTERM to *our* VM (a clean ``init:stop()``), SIGKILL to our tree if it hangs; never by name."""
        if self.proc is None:
            return
        beam = self.beam_pid()
        tree = self.pids()
        if beam is not None:
            os.kill(beam, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            for pid in tree:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(5)
        self.proc = None

    def describe(self) -> dict[str, Any]:
        return {"server": "ejabberd", "version": version(), "c2s": f"127.0.0.1:{self.c2s_port}",
                "api": self.api_url, "pid": self.proc.pid if self.proc else None,
                "cpus": sorted(self.cpus) if self.cpus else None, "state_dir": self.state_dir,
                "config": CONFIG_TEMPLATE, "auth": "SASL PLAIN against SCRAM-stored passwords (PBKDF2 per login)"}

    def adapter_cfg(self) -> dict[str, Any]:
        """Settings for ``bench.adapters.xmpp``."""
        return {"host": "127.0.0.1", "port": self.c2s_port, "domain": DOMAIN, "muc_domain": MUC_DOMAIN,
                "password": PASSWORD, "api_url": self.api_url}
