"""The trend the report and the workbook show, loaded from the database: capaian per program in
each triwulan of the year so far (and the previous period's capaian per indicator, from the same
measuring), through the same actions the handlers call."""

from __future__ import annotations

from decimal import Decimal

from core import recap
from tests.conftest import OPD1
from tests.kinerja_core import ASN1, ASN2, Period, make
from tests.test_cycle_e2e import KERTAS_KERJA


async def test_trend_over_two_triwulan(tmp_path, clock) -> None:
    office = await make(tmp_path, clock)
    try:
        periods = []
        for name, first in (("TW I 2025", "60"), ("TW II 2025", "80")):
            period = await Period(office, clock).start(name)
            await period.to_reporting(KERTAS_KERJA)
            await period.report(ASN1, "1.02", first)
            await period.report(ASN2, "1.02.01", "50")
            await period.validate_all()
            periods.append(period)
        first_only = await recap.prepare(office, periods[0].id, "Tono", opd_id=OPD1)
        assert first_only.trend is None  # TW I alone: nothing to draw
        data = await recap.prepare(office, periods[1].id, "Tono", opd_id=OPD1)
    finally:
        await office.db.dispose()
    trend = data.trend
    assert [p.name for p in trend.periods] == ["Triwulan I 2025", "Triwulan II 2025"]
    assert [(p.kode, p.values) for p in trend.programs] == [
        ("1.02", (Decimal(75), Decimal(100))),  # 60 and 80 of the target 80
    ]
    # The same measuring of TW I gives the comparison with the previous period.
    assert data.previous_period == "Triwulan I 2025"
    assert [r.previous_capaian for r in data.rows] == [Decimal(75), Decimal(100)]
