"""The running bot leaves the workbook libraries and Alembic unimported until they are needed,
and their first use from several worker threads at once works (core.lazy)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A fresh interpreter: the test process has imported all of these already.
PROBE = textwrap.dedent(
    """
    import sys
    import threading

    import bot.app
    import bot.cli

    loaded = [m for m in ("openpyxl", "numpy", "matplotlib", "alembic", "psycopg",
                          "docx", "lxml")
              if m in sys.modules]
    assert not loaded, f"imported at start: {loaded}"

    from core.kertas_kerja import EXAMPLE_PIC_NIP, build_template, parse_kertas_kerja

    start = threading.Barrier(4)
    results = []

    def first_use():
        start.wait()
        parsed = parse_kertas_kerja(build_template(), known_pics={EXAMPLE_PIC_NIP})
        results.append((parsed.errors, len(parsed.indicators)))

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] and r[1] > 0 for r in results), results
    assert results[0][0] == [], results[0][0]
    """
)


def test_start_imports_no_workbook_library_and_first_uses_may_race() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
