"""Step 9 TIDAK naming indicators: their figures go back to evaluation (step 6)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.engine import SopError
from core.indicator_notices import display_code, shared_kodes
from core.indicators.common import (
    MAX_FAKTOR,
    MISSING,
    REPORTED,
    RETURNED,
    return_to_pic,
)
from storage.models import Figure, Indicator, Period, User

_CODE = re.compile(r"^[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*(?:#\d+)?$")
_NAMED = re.compile(r"^\s*\[([^\]]*)\]\s*(.*)$", re.DOTALL)


def _some(codes: Sequence[str], shown: int = 10) -> str:
    """The first codes of a refusal's list and how many more: a reply that repeated thousands
    of typed codes went over Telegram's limit and reached nobody."""
    more = f" dan {len(codes) - shown} lainnya" if len(codes) > shown else ""
    return ", ".join(c[:40] for c in codes[:shown]) + more


def parse_named_codes(note: str | None) -> tuple[tuple[str, ...], str]:
    """`[1.02.01.2, 1.02.03#2] catatan` → the kode list and the note; no list → ((), note).

    A kode names every indicator of that kode; `kode#n` one of several sharing it.
    """
    text = (note or "").strip()
    m = _NAMED.match(text)
    if not m:
        return (), text
    codes = tuple(dict.fromkeys(c for c in re.split(r"[,;\s]+", m[1]) if c))
    wrong = [c for c in codes if not _CODE.match(c)]
    if not codes or wrong:
        raise SopError(
            "Daftar kode indikator tidak terbaca"
            + (f" ({_some(wrong)})" if wrong else "")
            + ". Tulis kode dalam kurung siku dipisah koma, lalu catatannya, misalnya: "
            "/tolak [1.02.01.2, 1.02.03#2] Realisasi belum sesuai data BPS"
        )
    return codes, m[2].strip()


async def reopen_named(
    session: AsyncSession, period: Period, codes: Sequence[str], note: str, by: User, now
) -> int:
    """A rejection naming indicators: their figures go back to evaluation (step 6).

    A valid figure waits for Tim SAKIP again; a missing one goes back to its PIC to report.
    """
    indicators = (
        await session.exec(select(Indicator).where(Indicator.period_id == period.id))
    ).all()
    chosen = [i for i in indicators if i.kode in codes or i.ikode in codes]
    known = {i.kode for i in indicators} | {i.ikode for i in indicators}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise SopError(
            f"Kode indikator tidak ada di periode {period.name}: {_some(unknown)}. "
            "Lihat kolom Kode di sheet Kertas Kerja rekap."
        )
    figures = {
        f.indicator_id: f
        for f in (
            await session.exec(
                select(Figure).where(col(Figure.indicator_id).in_([i.id for i in chosen]))
            )
        ).all()
    }
    shared = shared_kodes(indicators)
    for ind in chosen:
        fig = figures.get(ind.id) or Figure(
            indicator_id=ind.id, period_id=period.id, status=MISSING, version=0
        )
        back_to_pic = fig.status == MISSING
        fig.status = RETURNED if back_to_pic else REPORTED
        fig.version += 1
        fig.note = f"Sekretaris: {note}"[:MAX_FAKTOR]
        fig.decided_by, fig.decided_at = by.id, now
        session.add(fig)
        await session.flush()
        if back_to_pic:
            code = display_code(ind, ind.kode in shared)
            await return_to_pic(session, period, ind, fig, code, fig.note, by, now)
    return len(chosen)
