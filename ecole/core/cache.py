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
