"""Documents are kept on disk by sha256 beside the database row, not only as a Telegram file id."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path


class FileStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Write once, atomically (temp file + rename), and return the content's sha256."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    async def write(self, content: bytes) -> str:
        """`put` on a worker thread: hashing and fsync of 20 MB must not stall the event loop."""
        return await asyncio.to_thread(self.put, content)

    async def read(self, sha256: str) -> bytes:
        """`get` on a worker thread, for the same reason."""
        return await asyncio.to_thread(self.get, sha256)
