"""Recap workbook for a whole regency: 10,000 indicators in 40 programs, from the database to the
finished file (load, capaian, the five sheets, the chart) in one process; SQLite and PostgreSQL.

The database holds two periods of one year with the same 10,000 indicators: Triwulan I, all
figures validated, and Triwulan II, the one recapped, so the kumulatif indicators sum TW I and
the Analisis sheet compares with the previous period. The mix: positive and negative, range
targets, kumulatif and nilai akhir, a few zero targets and missing figures, pagu on every sub
kegiatan.

Each measurement runs in a fresh process (the database is filled by another one), so the peak
RSS is the recap's alone: reported with the imports (Python, SQLAlchemy, openpyxl, matplotlib)
and without their baseline (peak minus the RSS right after the imports); wall time likewise from
process start and from after the imports.

    .venv/bin/python bench/bench_recap.py [--indicators 10000] [--programs 40] [--repeat 3]

PostgreSQL: BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test); a
fresh database is created beside it and dropped afterwards; skipped with a message when the
server is unreachable.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import OPD1, fresh_pg  # noqa: E402

KEGIATAN_PER_PROGRAM = 5
SUB_PER_KEGIATAN = 5


def _rss_mb() -> float:
    """Resident set size now, from /proc (Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------- filling


def _tree(programs: int) -> list[dict]:
    units = []
    for p in range(1, programs + 1):
        pk = f"2.{p:02d}"
        units.append({"level": "Program", "kode": pk, "nama": f"Program {p}", "parent": None})
        for k in range(1, KEGIATAN_PER_PROGRAM + 1):
            kk = f"{pk}.2.{k:02d}"
            units.append(
                {"level": "Kegiatan", "kode": kk, "nama": f"Kegiatan {p}.{k}", "parent": pk}
            )
            for s in range(1, SUB_PER_KEGIATAN + 1):
                sk = f"{kk}.{s:04d}"
                units.append(
                    {"level": "Sub Kegiatan", "kode": sk, "nama": f"Sub Kegiatan {p}.{k}.{s}",
                     "parent": kk}
                )  # fmt: skip
    return units


def _indicator(i: int, unit: dict, by_kode: dict) -> dict:
    """Indicator number i on a unit: a varied but deterministic mix of rules."""
    chain = [unit]
    while chain[-1]["parent"]:
        chain.append(by_kode[chain[-1]["parent"]])
    levels = {u["level"]: u["kode"] for u in chain}
    kind = i % 10
    polaritas = "negatif" if kind in (3, 7) else "positif"
    konsolidasi = "kumulatif" if kind in (1, 4, 8) else "nilai akhir"
    if kind == 5:
        target, tws = "80-90", ["80-90"] * 4
    elif kind == 9 and i % 50 == 9:
        target, tws = "0", ["0"] * 4
    elif konsolidasi == "kumulatif":
        target, tws = "400", ["100"] * 4
    else:
        target, tws = "100", ["25", "50", "75", "100"]
    return {
        "level": unit["level"],
        "kode": unit["kode"],
        "nama": unit["nama"],
        "indikator": f"Indikator {i} untuk {unit['nama']} (cara hitung sesuai Kertas Kerja)",
        "jenis": "IKU" if unit["level"] == "Program" else "IKI",
        "satuan": "%" if kind % 2 else "orang",
        "target_tahunan": target,
        "target_tw1": tws[0],
        "target_tw2": tws[1],
        "target_tw3": tws[2],
        "target_tw4": tws[3],
        "polaritas": polaritas,
        "tipe_target": "rentang" if kind == 5 else "angka",
        "konsolidasi": konsolidasi,
        "cara_hitung": "Realisasi dibanding target",
        "sumber_data": "Laporan bidang",
        "program_kode": levels["Program"],
        "kegiatan_kode": levels.get("Kegiatan"),
        "sub_kegiatan_kode": levels.get("Sub Kegiatan"),
    }


def indicator_rows(slots: list[dict], by_kode: dict, **fixed) -> list[dict]:
    """An indicator on each slot (a unit), ikode numbered within its kode; `fixed` columns
    (period, year, OPD) on every row."""
    seen: dict[str, int] = {}
    rows = []
    for i, unit in enumerate(slots):
        seen[unit["kode"]] = seen.get(unit["kode"], 0) + 1
        row = _indicator(i, unit, by_kode)
        row.update(
            position=i, excel_row=i + 2, ikode=f"{unit['kode']}#{seen[unit['kode']]}", **fixed
        )
        rows.append(row)
    return rows


async def fill(url: str, n: int, programs: int) -> None:
    import warnings
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    from sqlalchemy import insert

    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Figure, Indicator, IndicatorUnit, Period, StepRun, User

    # Bulk inserts go through SQLAlchemy's execute(), which sqlmodel flags as deprecated.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    await asyncio_to_thread(upgrade, url)
    db = Database(url)
    units = _tree(programs)
    by_kode = {u["kode"]: u for u in units}
    # 40 program IKU, 2 per kegiatan, the rest spread over the sub kegiatan.
    slots = [u for u in units if u["level"] == "Program"]
    slots += [u for u in units if u["level"] == "Kegiatan"] * 2
    subs = [u for u in units if u["level"] == "Sub Kegiatan"]
    slots += [subs[i % len(subs)] for i in range(max(n - len(slots), 0))]
    slots = slots[:n]
    now = datetime(2025, 7, 7, 3, 0, tzinfo=timezone.utc)
    async with db.transaction(OPD1) as session:
        pics = []
        for i in range(200):
            user = User(
                telegram_id=10_000 + i, nama=f"ASN {i:03d}", nip=f"{199000000000000000 + i}",
                jabatan="Pelaksana", role="tim_sakip" if i == 0 else "asn", status="aktif",
            )  # fmt: skip
            session.add(user)
            pics.append(user)
        await session.flush()
        for tw, name in ((1, "Triwulan I 2025"), (2, "Triwulan II 2025")):
            period = Period(
                name=name, open_name=name if tw == 2 else None, year=2025, triwulan=tw,
                status="berjalan" if tw == 2 else "selesai", created_at=now,
            )  # fmt: skip
            session.add(period)
            await session.flush()
            for no in range(1, 8):
                opened = now + timedelta(hours=no)
                session.add(
                    StepRun(
                        period_id=period.id, step_no=no, opened_at=opened,
                        due_at=opened + timedelta(hours=1),
                        status="terbuka" if (tw == 2 and no == 7) else "selesai",
                        done_at=None if (tw == 2 and no == 7) else opened + timedelta(minutes=50),
                        done_by=pics[0].id,
                    )
                )  # fmt: skip
            await session.execute(
                insert(IndicatorUnit),
                [
                    {"period_id": period.id, "level": u["level"], "kode": u["kode"],
                     "nama": u["nama"], "parent_kode": u["parent"], "position": pos,
                     "pagu": Decimal(250_000_000) if u["level"] == "Sub Kegiatan" else None,
                     "realisasi_anggaran": Decimal(180_000_000 + pos * 1000)
                     if u["level"] == "Sub Kegiatan" else None}
                    for pos, u in enumerate(units)
                ],
            )  # fmt: skip
            rows = indicator_rows(slots, by_kode, period_id=period.id, year=2025)
            for i, row in enumerate(rows):
                row.update(pic_nip=pics[i % 200].nip, pic_user_id=pics[i % 200].id)
            await session.execute(insert(Indicator), rows)
            ids = (
                await session.execute(
                    Indicator.__table__.select()
                    .with_only_columns(Indicator.__table__.c.id)
                    .where(Indicator.__table__.c.period_id == period.id)
                    .order_by(Indicator.__table__.c.position)
                )
            ).all()
            figures = []
            for i, (ind_id,) in enumerate(ids):
                missing = i % 97 == 0
                value = Decimal(20 + (i * 37) % 90) + Decimal(i % 7) / 4
                figures.append(
                    {"indicator_id": ind_id, "period_id": period.id,
                     "realisasi": None if missing else value,
                     "status": "kosong" if missing else "valid", "version": 2,
                     "faktor_pendukung": "Dukungan anggaran" if i % 3 == 0 else None,
                     "reported_by": pics[i % 200].id, "reported_at": now,
                     "decided_by": pics[0].id, "decided_at": now}
                )  # fmt: skip
            await session.execute(insert(Figure), figures)
    await db.dispose()


def asyncio_to_thread(fn, *args):
    import asyncio

    return asyncio.to_thread(fn, *args)


# ---------------------------------------------------------------------------- measuring


class Phases:
    """A build's progress callback: when each phase began, and how long each took."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    async def __call__(self, phase: str) -> None:
        self.marks.append((phase, time.perf_counter()))

    def durations(self, ended: float) -> dict[str, float]:
        """Seconds per phase (named by its first word), the last one up to `ended`."""
        marks = [*self.marks, ("selesai", ended)]
        return {
            marks[i][0].split()[0]: marks[i + 1][1] - marks[i][1] for i in range(len(self.marks))
        }


async def recapped_period(url: str, out: str):
    """The office on the filled database and its Triwulan II 2025, the period measured."""
    from bot.config import Settings
    from core import recap
    from core.office import Office
    from storage.db import Database
    from storage.files import FileStore

    office = Office(
        db=Database(url),
        files=FileStore(Path(out).parent / "files"),
        name="Dinas Tenaga Kerja Kabupaten Contoh",
        rules=Settings(_env_file=None).rules,
    )
    return office, await recap.period_by_name(office, "Triwulan II 2025")


PRELOADED = (
    "matplotlib.backends.backend_agg",
    "matplotlib.figure",
    "openpyxl",
    "bot.config",
    "core.office",
    "core.recap",
    "core.rekap_workbook.chart",
    "core.rekap_workbook.workbook",
    "storage.db",
    "storage.files",
)


def preload(*extra: str) -> None:
    """Import what a build uses, so the baseline (time and RSS after the imports) holds it;
    the chart's imports (and matplotlib's font cache) belong there too, like openpyxl."""
    for name in (*PRELOADED, *extra):
        importlib.import_module(name)


def measure(url: str, out: str) -> dict:
    """In this (fresh) process: imports, then the recap of Triwulan II 2025 to a file."""
    import asyncio

    from core import recap

    preload()

    imported = time.perf_counter()
    baseline_rss = _rss_mb()
    baseline_peak = _peak_mb()

    async def go() -> dict:
        office, period = await recapped_period(url, out)
        phases = Phases()
        started = time.perf_counter()
        files = await recap.build(office, period.id, "Bench", phases, opd_id=OPD1)
        Path(out).write_bytes(files.workbook)
        Path(out).with_suffix(".png").write_bytes(files.chart)
        ended = time.perf_counter()
        await office.db.dispose()
        return {
            "indicators": files.indicators,
            "xlsx_bytes": len(files.workbook),
            "png_bytes": len(files.chart),
            "build_s": ended - started,
            "phases": phases.durations(ended),
        }

    result = asyncio.run(go())
    result.update(
        import_s=imported - _STARTED,
        total_s=time.perf_counter() - _STARTED,
        baseline_rss_mb=baseline_rss,
        baseline_peak_mb=baseline_peak,
        peak_mb=_peak_mb(),
    )
    result["peak_above_baseline_mb"] = result["peak_mb"] - baseline_rss
    return result


# ------------------------------------------------------------------------------ driving


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def bench(url: str, backend: str, n: int, programs: int, repeat: int, tmp: str) -> dict:
    started = time.perf_counter()
    _run("fill", url, str(n), str(programs))
    filled = time.perf_counter() - started
    runs = [json.loads(_run("measure", url, f"{tmp}/rekap-{backend}.xlsx")) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["build_s"])
    return {
        "backend": backend,
        "fill_s": filled,
        "runs": runs,
        "best": best,
        "median_build_s": statistics.median(r["build_s"] for r in runs),
        "median_total_s": statistics.median(r["total_s"] for r in runs),
        "max_peak_mb": max(r["peak_mb"] for r in runs),
        "max_peak_above_mb": max(r["peak_above_baseline_mb"] for r in runs),
    }


def report(r: dict) -> str:
    b = r["best"]
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in b["phases"].items())
    return (
        f"{r['backend']}: {b['indicators']:,} indicators (filled in {r['fill_s']:.1f} s)\n"
        f"  recap (load → capaian → 5 sheets → chart): median {r['median_build_s']:.2f} s, "
        f"best {b['build_s']:.2f} s ({phases})\n"
        f"  with imports (process start → file): median {r['median_total_s']:.2f} s "
        f"(imports {b['import_s']:.2f} s)\n"
        f"  peak RSS {r['max_peak_mb']:.0f} MB; above the imports' baseline "
        f"({b['baseline_rss_mb']:.0f} MB) {r['max_peak_above_mb']:.0f} MB\n"
        f"  workbook {b['xlsx_bytes'] / 1e6:.1f} MB, chart {b['png_bytes'] / 1e3:.0f} kB"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {mem:.0f} GB RAM; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )


def size_arguments(doc: str) -> argparse.Namespace:
    """--indicators, --programs, --repeat: the data set's size and the number of runs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--programs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "fill":
        import asyncio

        asyncio.run(fill(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
        return 0
    args = size_arguments(__doc__)
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        print(report(bench(url, "SQLite", args.indicators, args.programs, args.repeat, tmp)))
        with fresh_pg("recap") as pg_url:
            if pg_url is not None:
                r = bench(pg_url, "PostgreSQL", args.indicators, args.programs, args.repeat, tmp)
                print(report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
