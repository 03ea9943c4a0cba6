"""Heavy libraries imported on first use, one thread at a time.

openpyxl (which brings numpy) and matplotlib add about 21 MB and 26 MB to the bot process
that imports them, yet it needs them only while it reads an uploaded Kertas Kerja or builds
the template, the recap workbook or its chart, on worker threads. So those modules import them
through `load`. CPython locks each module while it is first imported, but two threads importing
overlapping package trees at once can meet in a lock cycle, and the import system breaks it by
handing one of them a half-initialised module ("cannot import name …"): one lock for every first
import here rules that out. The lock is re-entrant because a module loaded here may load another.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

_IMPORTING = threading.RLock()


def load(name: str) -> ModuleType:
    """The module `name`, imported now if no thread has imported it yet."""
    with _IMPORTING:
        return importlib.import_module(name)
