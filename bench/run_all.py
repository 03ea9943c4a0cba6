"""Run every benchmark in this folder (`bench_*.py`), each in its own process, and print the
machine they ran on. `make bench` calls this; the figures go into bench/README.md by hand.

    .venv/bin/python bench/run_all.py [name ...]   # e.g. run_all.py scan
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    except OSError:
        memory = "free -h: not available"
    return (
        f"{platform.platform()}; nproc {os.cpu_count()}; Python {platform.python_version()}\n"
        f"{memory}"
    )


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    print(machine(), flush=True)
    failed = []
    for script in scripts:
        print(f"\n=== {script.name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
        print(f"=== {script.name}: exit {code}, {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print("\ntargets missed or errors in:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
