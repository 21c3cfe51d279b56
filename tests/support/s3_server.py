"""A real S3-compatible server on loopback for the blob store tests and the benchmark: moto's server mode
(``python -m moto.server``, a Werkzeug HTTP server speaking the S3 REST API) in a subprocess of its own.

Why moto and not MinIO, Ceph or Garage: see docs/files.md, "S3-compatible storage".
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.server import free_port

ACCESS_KEY_ID = "axon-test-key"
SECRET_ACCESS_KEY = "axon-test-secret"
REGION = "us-east-1"


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="axon-s3-", suffix=".log")[1])

    def start(self) -> S3Server:
        env = {**os.environ, "MOTO_PORT": str(self.port),
               # Objects past 64 MiB go to temporary files rather than staying in the server's memory.
               "MOTO_S3_DEFAULT_MAX_SPOOL_SIZE": str(64 * 1024 * 1024)}
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError("the S3 server exited: " + self.log_path.read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("the S3 server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()
        self.log_path.unlink(missing_ok=True)

    def create_bucket(self, name: str) -> str:
        """A new empty bucket (made with boto3, as an operator would make it: Axon never creates buckets)."""
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                              aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
        client.create_bucket(Bucket=name)
        return name

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The settings of a node that stores its files in ``bucket``."""
        return {"AXON_BLOB_STORE": "s3", "AXON_S3_ENDPOINT": self.endpoint, "AXON_S3_BUCKET": bucket,
                "AXON_S3_REGION": REGION, "AXON_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
                "AXON_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY, "AXON_S3_PREFIX": prefix}
