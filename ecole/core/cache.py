"""A small in-process cache of rendered fragments. Keys carry a version read from the database
(e.g. the catalogue's last change), so every server of a cluster stays correct without sharing
the cache: a change anywhere gives new keys everywhere, and old entries age out (LRU)."""
import threading
from collections import OrderedDict
from typing import Callable

from markupsafe import Markup


class FragmentCache:
    def __init__(self, max_entries: int = 2000):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_render(self, key: tuple, render: Callable[[], str]) -> Markup:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        value = Markup(render())
        with self._lock:
            self.misses += 1
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


fragments = FragmentCache()


def cached_file(folder: str, stem: str, key: tuple, render: Callable[[], bytes], suffix: str = ".pdf") -> bytes:
    """Bytes rendered once per `key` and kept in a file under STORAGE_DIR/cache/<folder>, shared by
    every process of the machine. Costly documents (a handout takes 140–990 ms to print) are
    rendered once per version instead of once per request.

    Several processes may render the same file at once: each writes a temporary file and renames
    it into place (os.replace is atomic), so a reader sees a whole file or none. Older versions of
    the same stem are removed after a new one is written."""
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    from flask import current_app

    directory = Path(current_app.config["STORAGE_DIR"]) / "cache" / folder
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    path = directory / f"{stem}-{digest}{suffix}"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render()
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for old in directory.glob(f"{stem}-*{suffix}"):
        if old != path:
            old.unlink(missing_ok=True)
    return data
