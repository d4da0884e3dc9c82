"""Where providers keep their tokens between processes: in memory (the default) or in a private file.

A file cache lets short-lived processes (cron jobs, notebooks, CLI calls) share one token and its refresh token, as
dtlpy's ``~/.dataloop/cookie.json`` does. The file is created with mode 0600 in a 0700 directory, replaced
atomically, and read-modify-written under an exclusive lock. It holds tokens only, never a password or secret.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from typing import Any, ContextManager, Dict, Iterator, Optional, Protocol

try:  # POSIX; elsewhere the file cache works without the cross-process lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class TokenCache(Protocol):
    #: Whether other processes may write it too (the provider then reads it again before each token request).
    shared: bool

    def load(self, key: str) -> Optional[Dict[str, Any]]: ...

    def store(self, key: str, value: Optional[Dict[str, Any]]) -> None: ...

    def exclusive(self) -> ContextManager[None]:
        """Held around a token request, so that of several processes one renews and the others use its result."""
        ...


class MemoryCache:
    """A dict; what a provider uses when given no cache."""

    shared = False

    def __init__(self) -> None:
        self._data: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            return self._data.get(key)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        yield  # one process: the provider's own lock is enough

    def store(self, key: str, value: Optional[Dict[str, Any]]) -> None:
        with self._lock:
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value


def default_cache_path() -> str:
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'gatehouse', 'tokens.json')


class FileCache:
    """A JSON file of tokens by provider key, mode 0600. Its lock (``exclusive``) spans processes: a provider holds it
    around a token request, so with refresh-token rotation no two processes present the same refresh token."""

    shared = True

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path or default_cache_path()
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Re-entrant within a thread: the file lock is taken by the outermost holder only (a second flock on
        # another descriptor of the same file would wait for ourselves).
        with self._lock:
            if self._depth > 0 or fcntl is None:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(self.path + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def exclusive(self) -> ContextManager[None]:
        return self._locked()

    def _read(self) -> Dict[str, Any]:
        try:
            with open(self.path, encoding='utf-8') as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # a damaged cache is an empty one
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> Optional[Dict[str, Any]]:
        with self._locked():
            value = self._read().get(key)
        return value if isinstance(value, dict) else None

    def store(self, key: str, value: Optional[Dict[str, Any]]) -> None:
        with self._locked():
            data = self._read()
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
            temporary = f'{self.path}.{os.getpid()}.{threading.get_ident()}.tmp'
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                json.dump(data, f)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
