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
    """Bytes rendered once per `key` and kept in the file storage (core/storage.py) under
    cache/<folder>/, shared by every process and server. Costly documents (a handout takes
    140–990 ms to print) are rendered once per version instead of once per request.

    Several processes may render the same file at once: the storage writes whole objects (a
    reader sees all of one or none), and both write the same bytes. A small pointer object names
    the current version, so that the previous one is deleted when a new one is written."""
    import hashlib

    from ecole.core.storage import MissingFile, get_storage

    storage = get_storage()
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    name = f"cache/{folder}/{stem}-{digest}{suffix}"
    try:
        return storage.get(name)
    except MissingFile:
        pass
    data = render()
    storage.put(name, data)
    pointer = f"cache/{folder}/{stem}.current"
    try:
        previous = storage.get(pointer).decode()
    except MissingFile:
        previous = ""
    if previous != name:
        storage.put(pointer, name.encode())
        if previous.startswith(f"cache/{folder}/{stem}-"):
            storage.delete(previous)
    return data
