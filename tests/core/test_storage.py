"""File storage: the same behaviour from the folder backend and from a real S3-compatible server."""
import io
import os
import uuid

import pytest

from ecole.core.storage import (
    FolderStorage,
    InvalidKey,
    MissingFile,
    S3Storage,
    StorageError,
    get_storage,
    storage_from_config,
)
from tests.helpers import same_on_every_database
from tests.s3server import ACCESS_KEY, SECRET_KEY, SeaweedS3

pytestmark = same_on_every_database  # files in a folder and in S3: no database involved

BAD_KEYS = ["", "../secret", "a/../../b", "a/..", "/etc/passwd", "a//b", "a/", ".", "a/./b", ".hidden",
            "a\\..\\b", "x\x00y", "line\nbreak", "C:/windows", " padded", "a/b ", "k" * 600, "a/" + "ⵣ" * 90]


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"))
    try:
        server.start()
    except OSError as error:  # the binary exists but cannot be executed on this machine
        pytest.skip(f"S3 tests skipped: the SeaweedFS binary cannot run here ({error})")
    except RuntimeError as error:
        if "not installed" in str(error):
            pytest.skip(f"S3 tests skipped: {error}")
        raise
    server.create_bucket("ecole")
    yield server
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return FolderStorage(tmp_path / "storage")
    server = request.getfixturevalue("seaweed")
    # Each test gets its own prefix in the shared bucket: no test sees another's files.
    return S3Storage("ecole", f"run/{uuid.uuid4().hex}", client=server.client())


def test_put_get_exists_delete(store):
    assert not store.exists("handouts/fr/cooperative.pdf")
    store.put("handouts/fr/cooperative.pdf", b"%PDF-1.7 one")
    assert store.exists("handouts/fr/cooperative.pdf")
    assert store.get("handouts/fr/cooperative.pdf") == b"%PDF-1.7 one"
    store.put("handouts/fr/cooperative.pdf", b"%PDF-1.7 two")  # overwritten, not appended
    assert store.get("handouts/fr/cooperative.pdf") == b"%PDF-1.7 two"
    assert store.delete("handouts/fr/cooperative.pdf") is True
    assert not store.exists("handouts/fr/cooperative.pdf")
    assert store.delete("handouts/fr/cooperative.pdf") is False  # deleting twice is not an error


def test_keys_in_every_script_and_empty_files(store):
    for key, data in (("scans/ⵜⴰⵙⵏⵓⵔⵜ.png", b"\x89PNG tifinagh"), ("scans/ورقة الحضور.png", b"arabic"),
                      ("scans/réunion été.txt", "é".encode()), ("empty", b"")):
        store.put(key, data)
        assert store.get(key) == data
    assert not store.exists("scans")  # a "folder" is not a file


def test_large_file_streams_in_chunks_from_a_file_object(store):
    payload = os.urandom(3 * 1024 * 1024 + 17)
    store.put("certificates/big.bin", io.BytesIO(payload), content_type="application/octet-stream")
    chunks = list(store.stream("certificates/big.bin", chunk_size=256 * 1024))
    assert len(chunks) > 1 and max(len(chunk) for chunk in chunks) <= 256 * 1024
    assert b"".join(chunks) == payload


def test_missing_files_raise_missing_file(store):
    with pytest.raises(MissingFile):
        store.get("nothing/here.pdf")
    with pytest.raises(MissingFile):
        list(store.stream("nothing/here.pdf"))
    assert isinstance(MissingFile("x"), FileNotFoundError)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_outside_the_store_are_refused_by_every_operation(store, key, tmp_path):
    store.put("inside.txt", b"kept")
    for operation in (lambda: store.put(key, b"evil"), lambda: store.get(key), lambda: store.exists(key),
                      lambda: store.delete(key), lambda: list(store.stream(key))):
        with pytest.raises(InvalidKey):
            operation()
    assert store.get("inside.txt") == b"kept"
    assert not any(path.name == "secret" for path in tmp_path.rglob("*"))


class _Broken(io.RawIOBase):
    """A source that dies half-way, as an upload cut by a weak network does."""

    def __init__(self):
        self.sent = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.sent >= 200_000:
            raise ConnectionResetError("upload cut")
        count = min(len(buffer), 50_000)
        buffer[:count] = b"n" * count
        self.sent += count
        return count


def test_a_write_that_fails_half_way_leaves_the_previous_file_whole(store):
    store.put("rosters/s1.csv", b"old roster")
    with pytest.raises(Exception):
        store.put("rosters/s1.csv", io.BufferedReader(_Broken()))
    assert store.get("rosters/s1.csv") == b"old roster"
    with pytest.raises(Exception):
        store.put("rosters/new.csv", io.BufferedReader(_Broken()))
    assert not store.exists("rosters/new.csv")


def test_folder_writes_leave_no_temporary_files_and_no_empty_folders(tmp_path):
    store = FolderStorage(tmp_path)
    store.put("a/b/c.txt", b"1")
    with pytest.raises(ConnectionResetError):
        store.put("a/b/c.txt", io.BufferedReader(_Broken()))
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "c.txt"]
    store.delete("a/b/c.txt")
    assert list(tmp_path.iterdir()) == []


def test_folder_refuses_a_symbolic_link_that_leads_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    store = FolderStorage(tmp_path / "store")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        store.get("link/secret.txt")
    with pytest.raises(InvalidKey):
        store.put("link/new.txt", b"x")
    assert not (outside / "new.txt").exists()


def test_s3_prefixes_keep_stores_apart(seaweed):
    client = seaweed.client()
    school = S3Storage("ecole", "school-a", client=client)
    other = S3Storage("ecole", "school-b/", client=client)
    school.put("certificates/1.pdf", b"A")
    assert not other.exists("certificates/1.pdf")
    names = [item["Key"] for item in client.list_objects_v2(Bucket="ecole", Prefix="school-a/")["Contents"]]
    assert names == ["school-a/certificates/1.pdf"]


def test_configuration_chooses_the_backend(app, tmp_path, seaweed):
    assert isinstance(get_storage(), FolderStorage)
    assert get_storage().root == FolderStorage(app.config["STORAGE_DIR"]).root
    folder = storage_from_config({"STORAGE_URL": "", "STORAGE_DIR": str(tmp_path)})
    assert isinstance(folder, FolderStorage) and folder.root == tmp_path.resolve()
    s3 = storage_from_config({"STORAGE_URL": "s3://ecole/prod/files", "S3_ENDPOINT_URL": seaweed.endpoint,
                              "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                              "STORAGE_DIR": str(tmp_path)})
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("ecole", "prod/files")
    s3.put("photos/1.jpg", b"jpeg")
    assert seaweed.client().get_object(Bucket="ecole", Key="prod/files/photos/1.jpg")["Body"].read() == b"jpeg"
    for url in ("s3://", "ftp://host/x", "/just/a/path"):
        with pytest.raises(ValueError):
            storage_from_config({"STORAGE_URL": url, "STORAGE_DIR": str(tmp_path)})


def test_s3_with_wrong_keys_is_refused(seaweed):
    store = storage_from_config({"STORAGE_URL": "s3://ecole/x", "S3_ENDPOINT_URL": seaweed.endpoint,
                                 "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": "wrong", "STORAGE_DIR": "."})
    with pytest.raises(StorageError):
        store.put("a.txt", b"x")
    with pytest.raises(StorageError):
        store.exists("a.txt")


def test_a_key_cannot_be_both_a_file_and_a_folder_on_disk(tmp_path):
    store = FolderStorage(tmp_path)
    store.put("a", b"file")
    with pytest.raises(StorageError):
        store.put("a/b", b"x")
    store.put("c/d", b"x")
    with pytest.raises(StorageError):
        store.put("c", b"x")
    assert store.get("a") == b"file" and store.get("c/d") == b"x"



def test_keys_lists_every_stored_file_and_nothing_else(store):
    assert list(store.keys()) == []
    stored = {"certificates/EPDR-2026-AB12.pdf", "scans/6/1/ⵜⴰⵙⵏⵓⵔⵜ.jpg", "trips/7/photos/ورقة.jpg", "empty"}
    for key in stored:
        store.put(key, key.encode())
    store.put("reports/gone.xlsx", b"x")
    store.delete("reports/gone.xlsx")
    if isinstance(store, FolderStorage):  # a write in progress is not a stored file
        (store.root / "scans" / ".tmp-abc").write_bytes(b"half")
    else:  # another school's files under another prefix are not listed
        S3Storage(store.bucket, f"{store.prefix}-other", client=store.client).put("certificates/other.pdf", b"x")
    assert sorted(store.keys()) == sorted(stored)
    # A folder's keys, and a prefix that ends within a name.
    assert sorted(store.keys("scans/")) == ["scans/6/1/ⵜⴰⵙⵏⵓⵔⵜ.jpg"]
    assert sorted(store.keys("trips/7/pho")) == ["trips/7/photos/ورقة.jpg"]
    assert list(store.keys("ledger/")) == [] and sorted(store.keys("")) == sorted(stored)
