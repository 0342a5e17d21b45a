"""Stored files (handouts, rosters, scans, photos, certificates): one interface, a folder or S3.

Every module that keeps a file goes through `get_storage()` and names the file by a key, a
relative path such as "certificates/2026/AB12.pdf". Keys are checked before any backend sees
them, so a key made from user input can never reach outside the store ("../", absolute paths,
backslashes, NUL bytes). The embedded default is a folder (`STORAGE_DIR`, `instance/storage`):
a write goes to a temporary file in the same folder and is renamed over the target, so a reader
sees the old file or the new one, never half of one, even when the writer dies. Production sets
`ECOLE_STORAGE_URL=s3://bucket/prefix` and keeps files in S3-compatible object storage, where
a PUT is atomic by itself. The app keeps no file on its own disk then, so any number of app
servers and job workers share the same files.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import Flask, current_app

CHUNK_SIZE = 64 * 1024
MAX_KEY_LENGTH = 512
_EXTENSION = "ecole.storage"
# Control characters (NUL, CR, LF…) have no place in a file name and break headers and logs.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")


class StorageError(Exception):
    """A stored file could not be written, read or removed."""


class InvalidKey(StorageError, ValueError):
    """The key is not a plain relative path inside the store."""


class MissingFile(StorageError, FileNotFoundError):
    """No file is stored under this key."""


def validate_key(key: str) -> str:
    """Return `key` if it is a relative path of plain segments; raise InvalidKey otherwise."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key: {key!r}")
    if _FORBIDDEN.search(key) or key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise InvalidKey(f"invalid storage key: {key!r}")
    for segment in key.split("/"):
        # Empty (a//b, trailing /), "." and "..", and names starting with a dot: the folder
        # backend's temporary files start with one, so no key can collide with them. A segment
        # longer than file systems allow (255 bytes) would work on S3 only.
        if not segment or segment.startswith(".") or segment != segment.strip() or len(segment.encode()) > 255:
            raise InvalidKey(f"invalid storage key: {key!r}")
    return key


class Storage:
    """The interface every backend implements. `data` may be bytes or a binary file object."""

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> None:
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        return b"".join(self.stream(key))

    def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        raise NotImplementedError

    def delete(self, key: str) -> bool:
        """Remove the file; True if there was one (deleting a missing key is not an error)."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key (that begins with `prefix`: a folder, "ledger/"), in no set order (a backup
        lists them; the store itself never needs to)."""
        raise NotImplementedError


class FolderStorage(Storage):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"<FolderStorage {self.root}>"

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*validate_key(key).split("/"))
        # A symbolic link inside the folder must not lead outside it either.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"invalid storage key: {key!r}")
        return path

    def put(self, key, data, *, content_type=None) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError as error:  # e.g. "a/b" when "a" is a file
            raise StorageError(f"cannot store {key!r}: {error.strerror}") from error
        try:
            with os.fdopen(handle, "wb") as file:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    file.write(data)
                else:
                    shutil.copyfileobj(data, file, CHUNK_SIZE)
                file.flush()
                os.fsync(file.fileno())
            try:
                os.replace(temporary, path)
            except OSError as error:  # e.g. "a" when "a/b" exists
                raise StorageError(f"cannot store {key!r}: {error.strerror}") from error
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def stream(self, key, *, chunk_size=CHUNK_SIZE) -> Iterator[bytes]:
        path = self._path(key)
        try:
            file = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MissingFile(key) from None
        return _chunks(file, chunk_size)

    def delete(self, key) -> bool:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return False
        # Empty folders left behind are removed, up to the root, so the tree mirrors the keys.
        for parent in path.parents:
            if parent == self.root or not parent.is_relative_to(self.root):
                break
            try:
                parent.rmdir()
            except OSError:
                break
        return True

    def exists(self, key) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str = "") -> Iterator[str]:
        # Writes in progress (".tmp-…") and anything no key could name are not stored files.
        start = prefix.rpartition("/")[0]  # the folder the prefix names, walked alone
        for folder, subfolders, names in os.walk(self.root / start if start else self.root):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            relative = Path(folder).relative_to(self.root).as_posix()
            for name in names:
                key = name if relative == "." else f"{relative}/{name}"
                try:
                    if key.startswith(prefix) and self._path(key).is_file():
                        yield key
                except InvalidKey:
                    continue


def _chunks(file: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with file:
        while chunk := file.read(chunk_size):
            yield chunk


class S3Storage(Storage):
    """S3-compatible object storage (AWS, SeaweedFS, Garage, Ceph…) through boto3."""

    def __init__(self, bucket: str, prefix: str = "", *, client=None, endpoint_url: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None, region_name=region or "us-east-1",
            # Path-style addressing: S3-compatible servers on a plain host name do not serve
            # virtual-hosted buckets; a request must not wait on a dead server for minutes.
            config=BotoConfig(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30,
                              retries={"max_attempts": 3, "mode": "standard"}))

    def __repr__(self) -> str:
        return f"<S3Storage s3://{self.bucket}/{self.prefix}>"

    def _object(self, key: str) -> str:
        key = validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key, data, *, content_type=None) -> None:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import ClientError

        name = self._object(key)
        extra = {"ContentType": content_type} if content_type else {}
        try:
            if isinstance(data, (bytes, bytearray, memoryview)):
                self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(data), **extra)
            else:
                # upload_fileobj streams large files in parts; the object appears only once complete.
                self.client.upload_fileobj(data, self.bucket, name, ExtraArgs=extra or None)
        except (ClientError, S3UploadFailedError) as error:
            raise StorageError(f"cannot store {key!r}: {error}") from error

    def stream(self, key, *, chunk_size=CHUNK_SIZE) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        name = self._object(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _is_missing(error):
                raise MissingFile(key) from None
            raise StorageError(str(error)) from error
        return _body_chunks(response["Body"], chunk_size)

    def delete(self, key) -> bool:
        from botocore.exceptions import ClientError

        name = self._object(key)
        existed = self.exists(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            raise StorageError(f"cannot delete {key!r}: {error}") from error
        return existed

    def exists(self, key) -> bool:
        from botocore.exceptions import ClientError

        name = self._object(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _is_missing(error):
                return False
            raise StorageError(str(error)) from error
        return True

    def keys(self, prefix: str = "") -> Iterator[str]:
        from botocore.exceptions import ClientError

        start = f"{self.prefix}/" if self.prefix else ""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start + prefix):
                for item in page.get("Contents", ()):
                    key = item["Key"][len(start):]
                    try:
                        yield validate_key(key)
                    except InvalidKey:  # an object put there by another tool ("a//b", "x/"): not Ecole's
                        continue
        except ClientError as error:
            raise StorageError(f"cannot list the stored files: {error}") from error


def _body_chunks(body, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(chunk_size)
    finally:
        body.close()


def _is_missing(error) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def storage_from_config(config) -> Storage:
    """The backend that `ECOLE_STORAGE_URL` (or, without it, `STORAGE_DIR`) names."""
    url = config.get("STORAGE_URL") or ""
    if url.startswith("s3://"):
        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueError("ECOLE_STORAGE_URL must name a bucket: s3://bucket/prefix")
        return S3Storage(parts.netloc, parts.path, endpoint_url=config.get("S3_ENDPOINT_URL"),
                         access_key=config.get("S3_ACCESS_KEY_ID"), secret_key=config.get("S3_SECRET_ACCESS_KEY"),
                         region=config.get("S3_REGION"))
    if url.startswith("file://"):
        return FolderStorage(urlsplit(url).path)
    if url:
        raise ValueError(f"ECOLE_STORAGE_URL: unsupported storage address {url!r} (s3://bucket/prefix or file:///path)")
    return FolderStorage(config["STORAGE_DIR"])


def init_app(app: Flask) -> None:
    """Check the storage settings at start-up, so a wrong address fails there, not on first use."""
    app.extensions[_EXTENSION] = storage_from_config(app.config)


def get_storage() -> Storage:
    """The application's storage (built from its configuration on first use)."""
    app = current_app._get_current_object()
    if _EXTENSION not in app.extensions:
        init_app(app)
    return app.extensions[_EXTENSION]


def discard(keys) -> None:
    """Delete stored files whose rows will not be (a failed upload, a race lost): an orphan file is no
    loss, so a failure here is logged and never hides the error that caused the cleaning."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001
            current_app.logger.warning("could not delete stored file %s", key)


def put_after_commit(session, key: str, data: bytes) -> None:
    """Write a stored file that records a change once the change is committed (a rollback writes
    nothing). A failure is logged as an error: the change stands, its record is to be written again."""
    from sqlalchemy import event

    def put(_session) -> None:
        try:
            get_storage().put(key, data)
        except Exception:  # noqa: BLE001 - the commit is done; say it loudly, never undo it
            current_app.logger.exception("could not write stored file %s", key)

    event.listen(session, "after_commit", put, once=True)


def discard_after_commit(session, keys) -> None:
    """Delete replaced files once the change that replaced them is committed (never before: a
    rollback keeps them)."""
    from sqlalchemy import event

    event.listen(session, "after_commit", lambda _session: discard(keys), once=True)
