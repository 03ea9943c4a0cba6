"""The Draft Laporan for a whole regency: 10,000 indicators in 40 programs, from the database to
the finished .docx (load, capaian, the trend over TW I-II, both charts, the document), then the
Laporan Hasil made from it on /setuju (open, sign, approval record, save); SQLite.

The data set is bench_recap.py's (same filling, run by that script): two periods of one year,
Triwulan II recapped and compared with Triwulan I. Each measurement runs in a fresh process;
wall time is reported from after the imports, peak RSS with and without the imports' baseline.
Target: the draft in under 10 s on this machine.

    .venv/bin/python bench/bench_laporan.py [--indicators 10000] [--programs 40] [--repeat 3]
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_recap  # noqa: E402

TARGET_S = 10.0


def measure(url: str, out: str) -> dict:
    """In this (fresh) process: imports, the Draft Laporan of Triwulan II 2025, its Laporan
    Hasil."""
    import asyncio
    from datetime import datetime, timezone

    from core.laporan import Approval, Decision, Person, finalize
    from core.laporan.actions import render

    bench_recap.preload("core.laporan.build", "core.laporan.final")

    imported = time.perf_counter()
    baseline_rss = bench_recap._rss_mb()

    async def go() -> dict:
        office, period = await bench_recap.recapped_period(url, out)
        phases = bench_recap.Phases()
        tim = [Person("ASN 000", "199000000000000000", "Pelaksana")]
        started = time.perf_counter()
        content, _ = await render(office, period.id, tim[0], tim, phases, opd_id=period.opd_id)
        built = time.perf_counter()
        Path(out).write_bytes(content)
        at = datetime(2025, 7, 8, 3, 0, tzinfo=timezone.utc)
        approval = Approval(
            period.name,
            (Decision(1, False, "Lengkapi analisis", "Sekretaris", at, "ASN 000", at),
             Decision(2, True, "", "Sekretaris", at)),
            Person("Sekretaris", "197501012000032002"),
            Person("Kepala Dinas", "196909211996021001"),
        )  # fmt: skip
        final = await asyncio.to_thread(finalize, content, approval)
        finalized = time.perf_counter()
        Path(out).with_name("laporan-hasil.docx").write_bytes(final)
        await office.db.dispose()
        return {
            "docx_bytes": len(content),
            "final_bytes": len(final),
            "build_s": built - started,
            "final_s": finalized - built,
            "phases": phases.durations(built),
        }

    result = asyncio.run(go())
    result.update(
        import_s=imported - _STARTED,
        baseline_rss_mb=baseline_rss,
        peak_mb=bench_recap._peak_mb(),
    )
    result["peak_above_baseline_mb"] = result["peak_mb"] - baseline_rss
    return result


def _measure_in_fresh_process(url: str, out: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "measure", url, out], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"measure failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
        return 0
    args = bench_recap.size_arguments(__doc__)
    print(bench_recap.machine(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        bench_recap._run("fill", url, str(args.indicators), str(args.programs))
        runs = [_measure_in_fresh_process(url, f"{tmp}/draft.docx") for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["build_s"])
    median = statistics.median(r["build_s"] for r in runs)
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in best["phases"].items())
    print(
        f"SQLite: {args.indicators:,} indicators, {args.programs} programs\n"
        f"  Draft Laporan (load → capaian → trend → charts → .docx): median {median:.2f} s, "
        f"best {best['build_s']:.2f} s ({phases}); target < {TARGET_S:.0f} s\n"
        f"  Laporan Hasil from it: median "
        f"{statistics.median(r['final_s'] for r in runs):.2f} s\n"
        f"  imports {best['import_s']:.2f} s; peak RSS {max(r['peak_mb'] for r in runs):.0f} MB, "
        f"above the imports' baseline ({best['baseline_rss_mb']:.0f} MB) "
        f"{max(r['peak_above_baseline_mb'] for r in runs):.0f} MB\n"
        f"  draft {best['docx_bytes'] / 1e6:.1f} MB, Laporan Hasil {best['final_bytes'] / 1e6:.1f} MB"
    )
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
