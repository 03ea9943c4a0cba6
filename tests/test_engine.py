"""The engine on the SOP data: every transition, the rejection loop twice, every refusal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core import engine
from core.engine import Actor, PeriodView, RunView, SopError
from core.sop import STEPS, Output, Role, Waktu, step

NOW = datetime(2025, 4, 7, 1, 0, tzinfo=timezone.utc)
KD = Actor(1, Role.KEPALA_DINAS, nama="Kadis")
SEK = Actor(2, Role.SEKRETARIS, nama="Sekretaris")
TIM = Actor(3, Role.TIM_SAKIP, nama="Tim")
ASN = Actor(4, Role.ASN, nama="Asn")
ADMIN = Actor(5, Role.ASN, is_admin=True)
BY_ROLE = {Role.KEPALA_DINAS: KD, Role.SEKRETARIS: SEK, Role.TIM_SAKIP: TIM, Role.ASN: ASN}


def due(opened: datetime, waktu: Waktu) -> datetime:
    return opened + timedelta(minutes=waktu.minutes, days=waktu.days)


class Period:
    """A period held in memory, applying transitions as the storage layer does."""

    def __init__(self) -> None:
        self.runs: list[RunView] = []
        self.status, self.round = engine.RUNNING, 1
        self.apply(engine.start(NOW, KD, due))

    def view(self) -> PeriodView:
        return PeriodView(1, "Triwulan I 2025", self.status, self.round, tuple(self.runs))

    def apply(self, tr: engine.Transition) -> engine.Transition:
        if tr.close_run is not None:
            i = next(i for i, r in enumerate(self.runs) if r.id == tr.close_run)
            r = self.runs[i]
            self.runs[i] = RunView(
                r.id,
                r.step_no,
                r.round,
                engine.DONE,
                r.opened_at,
                r.due_at,
                NOW,
                0,
                tr.outcome,
                tr.note,
            )
        for o in tr.auto_done:
            self.runs.append(
                RunView(
                    len(self.runs) + 1, o.step_no, o.round, engine.DONE, o.opened_at, o.due_at, NOW
                )
            )
        for o in tr.opened:
            self.runs.append(
                RunView(len(self.runs) + 1, o.step_no, o.round, engine.OPEN, o.opened_at, o.due_at)
            )
        self.status, self.round = tr.period_status, tr.round
        return tr

    def open_steps(self) -> list[int]:
        return [r.step_no for r in self.runs if r.status == engine.OPEN]

    def finish(self, no: int, actor: Actor | None = None) -> engine.Transition:
        actor = actor or BY_ROLE[step(no).actor]
        if step(no).output_kind is Output.DATA:
            return self.apply(engine.complete(self.view(), no, actor, 0, NOW, due))
        return self.apply(engine.finish(self.view(), no, actor, True, NOW, due))

    def decide(
        self, approve: bool, note: str | None = None, reopen: bool = False
    ) -> engine.Transition:
        return self.apply(engine.decide(self.view(), SEK, approve, note, NOW, due, reopen))


def test_start_finishes_step_one_and_opens_step_two_for_the_sekretaris():
    p = Period()
    assert [(r.step_no, r.status) for r in p.runs] == [(1, "selesai"), (2, "terbuka")]
    assert p.runs[1].due_at == NOW + timedelta(minutes=60)
    tr = engine.start(NOW, KD, due)
    assert tr.notices == (engine.Notice(Role.SEKRETARIS, "step_opened", 2),)


@pytest.mark.parametrize("actor", [SEK, TIM, ASN, ADMIN])
def test_only_the_kepala_dinas_starts(actor):
    with pytest.raises(SopError, match="Hanya Kepala Dinas"):
        engine.start(NOW, actor, due)


def test_every_step_in_order_to_the_archive():
    p = Period()
    for no in range(2, 9):
        tr = p.finish(no)
        assert p.open_steps() == [no + 1]
        nxt = step(no + 1)
        assert engine.Notice(nxt.actor, "step_opened", nxt.no) in tr.notices
        assert p.runs[-1].due_at == due(NOW, nxt.waktu)
    tr = p.decide(True, "Bagus")
    assert tr.outcome == "setuju" and tr.note == "Bagus"
    assert p.open_steps() == [10]
    tr = p.finish(10)
    assert p.status == "selesai" and p.open_steps() == []
    assert p.runs[-1].step_no == 11 and p.runs[-1].status == "selesai"
    assert engine.Notice(Role.ASN, "archived", 11) in tr.notices


def test_team_steps_tell_the_whole_team():
    p = Period()
    p.finish(2)
    tr = p.finish(3)
    assert engine.Notice(Role.TIM_SAKIP, "step_done", 3) in tr.notices


def test_rejection_loop_twice_counts_rounds_and_keeps_notes():
    p = Period()
    for no in range(2, 9):
        p.finish(no)
    for expected_round, note in ((2, "IKU 2 salah"), (3, "Lengkapi IKI")):
        tr = p.decide(False, note)
        assert tr.outcome == "tolak" and tr.note == note
        assert p.round == expected_round
        assert p.open_steps() == [step(9).on_reject]
        assert tr.notices == (engine.Notice(Role.TIM_SAKIP, "rejected", 7, note),)
        assert p.runs[-1].round == expected_round
        p.finish(7)
        p.finish(8)
    p.decide(True)
    p.finish(10)
    notes = [r.note for r in p.runs if r.outcome == "tolak"]
    assert notes == ["IKU 2 salah", "Lengkapi IKI"]
    assert p.status == "selesai"


def test_rejection_without_note_is_refused_and_changes_nothing():
    p = Period()
    for no in range(2, 9):
        p.finish(no)
    before = p.view()
    for note in (None, "", "   "):
        with pytest.raises(SopError, match="catatan"):
            engine.decide(before, SEK, False, note, NOW, due)
    assert p.view() == before


def test_wrong_role_wrong_step_done_step_missing_output_closed_period():
    p = Period()
    with pytest.raises(SopError, match="dikerjakan oleh Sekretaris"):
        engine.finish(p.view(), 2, TIM, True, NOW, due)
    with pytest.raises(SopError, match="belum dibuka"):
        engine.finish(p.view(), 3, TIM, True, NOW, due)
    with pytest.raises(SopError, match="belum bisa diselesaikan"):
        engine.finish(p.view(), 2, SEK, False, NOW, due)
    with pytest.raises(SopError, match="sudah selesai"):
        engine.finish(p.view(), 1, KD, True, NOW, due)
    with pytest.raises(SopError, match="/setuju"):
        for no in range(2, 9):
            p.finish(no)
        engine.finish(p.view(), 9, SEK, True, NOW, due)
    with pytest.raises(SopError, match="dikerjakan oleh Sekretaris"):
        engine.decide(p.view(), TIM, True, None, NOW, due)
    p.decide(True)
    p.finish(10)
    with pytest.raises(SopError, match="diarsipkan"):
        engine.finish(p.view(), 10, SEK, True, NOW, due)


def test_every_user_is_an_asn_for_step_five():
    p = Period()
    for no in range(2, 5):
        p.finish(no)
    p.finish(5, KD)
    assert p.open_steps() == [6]


def test_cancel_by_admin_or_kepala_dinas_only():
    p = Period()
    with pytest.raises(SopError, match="admin atau Kepala Dinas"):
        engine.cancel(p.view(), SEK)
    assert engine.cancel(p.view(), ADMIN).period_status == "dibatalkan"
    p.apply(engine.cancel(p.view(), KD))
    with pytest.raises(SopError, match="dibatalkan"):
        engine.cancel(p.view(), KD)


def test_sop_data_is_complete():
    assert [s.no for s in STEPS] == list(range(1, 12))
    assert sum(s.waktu.minutes for s in STEPS) == 515
    assert sum(s.waktu.days for s in STEPS) == 3
    assert [s.no for s in STEPS if s.output_kind is Output.DECISION] == [9]
    assert step(9).next_step == 10 and step(9).on_reject == 7
    assert step(9).on_reject_figures == 6
    assert [s.no for s in STEPS if s.output_kind is Output.DATA] == [5, 6]
    assert step(11).output_kind is Output.AUTOMATIC


def test_data_steps_end_when_complete_not_by_a_document():
    p = Period()
    for no in range(2, 5):
        p.finish(no)
    with pytest.raises(SopError, match="/tutup_lapor"):
        engine.finish(p.view(), 5, ASN, True, NOW, due)
    with pytest.raises(SopError, match="masih 2"):
        engine.complete(p.view(), 5, ASN, 2, NOW, due)
    tr = p.finish(5, ASN)
    assert tr.outcome == "selesai" and tr.note is None
    assert tr.notices == (engine.Notice(Role.TIM_SAKIP, "step_opened", 6),)
    with pytest.raises(SopError, match="/evaluasi"):
        engine.finish(p.view(), 6, TIM, True, NOW, due)
    with pytest.raises(SopError, match="masih 1"):
        engine.complete(p.view(), 6, TIM, 1, NOW, due)
    with pytest.raises(SopError, match="dikerjakan oleh Tim SAKIP"):
        engine.complete(p.view(), 6, ASN, 0, NOW, due)
    with pytest.raises(SopError, match="dengan dokumen"):
        engine.complete(p.view(), 7, TIM, 0, NOW, due)
    tr = p.finish(6)
    assert engine.Notice(Role.TIM_SAKIP, "step_done", 6) in tr.notices
    assert p.open_steps() == [7]


def test_only_tim_sakip_closes_reporting_early_and_the_gap_is_noted():
    p = Period()
    for no in range(2, 5):
        p.finish(no)
    for actor in (ASN, SEK, KD):
        with pytest.raises(SopError, match="hanya dapat ditutup oleh Tim SAKIP"):
            engine.complete(p.view(), 5, actor, 3, NOW, due, close=True)
    tr = p.apply(engine.complete(p.view(), 5, TIM, 3, NOW, due, close=True))
    assert (tr.outcome, tr.note) == ("ditutup", "ditutup dengan 3 indikator tanpa realisasi")
    assert engine.Notice(Role.TIM_SAKIP, "step_done", 5) in tr.notices
    assert p.open_steps() == [6]
    with pytest.raises(SopError, match="hanya dapat ditutup oleh siapa pun"):
        engine.complete(p.view(), 6, TIM, 1, NOW, due, close=True)


def test_rejection_naming_indicators_reopens_evaluation_with_a_fresh_due_time():
    p = Period()
    for no in range(2, 9):
        p.finish(no)
    later = NOW + timedelta(hours=3)
    tr = p.apply(engine.decide(p.view(), SEK, False, "[1.02] cek", later, due, True))
    assert p.open_steps() == [6] and p.round == 2
    assert tr.notices == (engine.Notice(Role.TIM_SAKIP, "rejected", 6, "[1.02] cek"),)
    assert p.runs[-1].due_at == due(later, step(6).waktu) and p.runs[-1].round == 2
    for no in (6, 7, 8):
        p.finish(no)
    p.decide(False, "Rekap ulang")
    assert p.open_steps() == [7] and p.round == 3
