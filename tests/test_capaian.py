"""Capaian, predikat, consolidation, aggregation and budget (core.capaian), hand-computed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.capaian import (
    Aggregate,
    Capaian,
    CapaianRules,
    Konsolidasi,
    Polaritas,
    Rentang,
    aggregate,
    compute,
    consolidate,
    efisiensi,
    format_target,
    parse_target,
    predikat,
    serapan,
    target_from_text,
    target_to_text,
    unit_capaian,
)
from core.measure import IndicatorSpec, measure
from core.numbers import NumberError

D = Decimal
POS, NEG = Polaritas.POSITIF, Polaritas.NEGATIF
KHUSUS = CapaianRules()
RASIO = CapaianRules(negative_variant="rasio")
PAGU = CapaianRules(weight_by_pagu=True)
KUM, AKHIR = Konsolidasi.KUMULATIF, Konsolidasi.NILAI_AKHIR


def approx(value: Decimal | None, places: int = 10) -> Decimal:
    """Compare long quotients at a fixed number of places."""
    assert value is not None
    return value.quantize(D(1).scaleb(-places))


# --- targets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["80–90", "80-90", "80 - 90", "80 s.d. 90", "80 s/d 90", "80 S.D 90", "80 sd 90", "80—90"],
)
def test_parse_target_range(text: str) -> None:
    assert parse_target(text) == Rentang(D(80), D(90))


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("85", D(85)),
        ("85%", D(85)),
        ("1.234,5", D("1234.5")),
        ("-2", D(-2)),
        ("-5 - 5", Rentang(D(-5), D(5))),
        ("-5 s.d. -2", Rentang(D(-5), D(-2))),
        ("80% - 90%", Rentang(D(80), D(90))),
        ("1,5 juta – 2 juta", Rentang(D(1500000), D(2000000))),
        ("80,5-90,25", Rentang(D("80.5"), D("90.25"))),
        ("85 - 85", D(85)),  # a range of width zero is a single target
        ("Rp 1.000,-", D(1000)),
    ],
)
def test_parse_target_values(text: str, target: object) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("90-80", "Batas bawah rentang lebih besar dari batas atas"),
        ("80-90-100", "Rentang hanya punya dua batas"),
        ("80 - abc", "Rentang tidak terbaca: Angka tidak dikenali."),
        ("", "Belum ada angka."),
        ("tinggi", "Angka tidak dikenali."),
    ],
)
def test_parse_target_refuses(text: str, message: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_target(text)
    assert str(info.value).startswith(message)


def test_format_target() -> None:
    assert format_target(Rentang(D(80), D("90.5"))) == "80–90,5"
    assert format_target(D("1234.50")) == "1.234,5"


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (D("2.125"), "2.125"),
        (D("85.50"), "85.5"),
        (D("1.2E+6"), "1200000"),
        (Rentang(D(80), D(90)), "80-90"),
        (Rentang(D("-5"), D("-2.5")), "-5--2.5"),
        (D("-0"), "0"),
    ],
)
def test_target_storage_text(target: Decimal | Rentang, text: str) -> None:
    """Stored targets use a decimal point; parse_target would read 2.125 as 2125."""
    assert target_to_text(target) == text
    assert target_from_text(text) == target
    assert parse_target("2.125") == D(2125)


@pytest.mark.parametrize("text", ["", "80–90", "1.234,5", "80 - 90", "abc"])
def test_target_from_text_refuses_other_forms(text: str) -> None:
    with pytest.raises(ValueError):
        target_from_text(text)


def test_rentang_bounds_ordered() -> None:
    with pytest.raises(ValueError):
        Rentang(D(90), D(80))


def test_enums_read_kertas_kerja_cells() -> None:
    assert Polaritas.parse(" Negatif ") is NEG
    assert Konsolidasi.parse("Nilai Akhir") is AKHIR
    assert Konsolidasi.parse("nilai_akhir") is AKHIR
    with pytest.raises(ValueError):
        Polaritas.parse("netral")


# --- compute -----------------------------------------------------------------------------------


def test_positif() -> None:
    assert compute(D(85), D(100), POS) == Capaian(D(85), D(85), "R/T×100")
    assert approx(compute(D(1), D(3), POS).raw) == D("33.3333333333")


def test_positif_cap() -> None:
    c = compute(D(150), D(100), POS)
    assert c == Capaian(D(150), D(120), "R/T×100; dibatasi 120", cap_applied=True)


def test_cap_is_a_setting() -> None:
    c = compute(D(110), D(100), POS, CapaianRules(cap=D(100)))
    assert (c.raw, c.capped, c.cap_applied) == (D(110), D(100), True)
    assert compute(D(120), D(100), POS).cap_applied is False  # exactly at the cap


@pytest.mark.parametrize(
    ("r", "t", "raw", "capped"),
    [
        ("6", "5", "80", "80"),  # (2 − 1,2) × 100
        ("4", "5", "120", "120"),
        ("3", "5", "140", "120"),
        ("10", "5", "0", "0"),
        ("12", "5", "0", "0"),  # (2 − 2,4) × 100 = −40, clamped at 0
        ("5", "5", "100", "100"),
    ],
)
def test_negatif_khusus(r: str, t: str, raw: str, capped: str) -> None:
    c = compute(D(r), D(t), NEG)
    assert (c.raw, c.capped) == (D(raw), D(capped))
    assert c.rule.startswith("(2−R/T)×100, batas bawah 0")


def test_negatif_rasio() -> None:
    assert compute(D(10), D(5), NEG, RASIO) == Capaian(D(50), D(50), "T/R×100")
    c = compute(D(4), D(5), NEG, RASIO)
    assert (c.raw, c.capped, c.cap_applied) == (D(125), D(120), True)
    assert approx(compute(D(6), D(5), NEG, RASIO).raw) == D("83.3333333333")


def test_negatif_rasio_zero_realisation_is_the_cap() -> None:
    """T/R is unbounded as R → 0: R = 0 (the best outcome) is recorded as the cap."""
    c = compute(D(0), D(5), NEG, RASIO)
    assert c == Capaian(D(120), D(120), "T/R×100; R≤0 → batas atas 120", cap_applied=True)
    assert compute(D(-1), D(5), NEG, RASIO).capped == D(120)


@pytest.mark.parametrize(
    ("r", "pol", "rules", "raw", "rule"),
    [
        ("85", POS, KHUSUS, "100", "rentang 80–90: di dalam rentang = 100"),
        ("80", POS, KHUSUS, "100", "rentang 80–90: di dalam rentang = 100"),
        ("90", NEG, KHUSUS, "100", "rentang 80–90: di dalam rentang = 100"),
        ("72", POS, KHUSUS, "90", "rentang 80–90: di bawah, dibanding batas bawah 80 (positif)"),
        ("99", POS, KHUSUS, "110", "rentang 80–90: di atas, dibanding batas atas 90 (positif)"),
        ("72", NEG, KHUSUS, "110", "rentang 80–90: di bawah, dibanding batas bawah 80 (negatif)"),
        ("99", NEG, KHUSUS, "90", "rentang 80–90: di atas, dibanding batas atas 90 (negatif)"),
        ("100", NEG, RASIO, "90", "rentang 80–90: di atas, dibanding batas atas 90 (negatif)"),
        ("64", NEG, RASIO, "125", "rentang 80–90: di bawah, dibanding batas bawah 80 (negatif)"),
    ],
)
def test_range(r: str, pol: Polaritas, rules: CapaianRules, raw: str, rule: str) -> None:
    c = compute(D(r), Rentang(D(80), D(90)), pol, rules)
    assert c.raw == D(raw)
    assert c.rule.startswith(rule)
    assert c.capped == min(D(raw), D(120))


def test_range_rule_states_formula() -> None:
    c = compute(D(99), Rentang(D(80), D(90)), NEG)
    assert c.rule == (
        "rentang 80–90: di atas, dibanding batas atas 90 (negatif): (2−R/T)×100, batas bawah 0"
    )


def test_zero_target_positif_is_na() -> None:
    c = compute(D(5), D(0), POS)
    assert c == Capaian(None, None, "N/A (target 0)", na_reason="N/A (target 0)")
    assert c.is_na


@pytest.mark.parametrize("rules", [KHUSUS, RASIO])
def test_zero_target_negatif(rules: CapaianRules) -> None:
    assert compute(D(0), D(0), NEG, rules) == Capaian(
        D(100), D(100), "target 0, negatif: R=0 → 100"
    )
    assert compute(D(3), D(0), NEG, rules) == Capaian(D(0), D(0), "target 0, negatif: R>0 → 0")


def test_zero_bound_of_range_uses_zero_target_rule() -> None:
    c = compute(D(-1), Rentang(D(0), D(5)), POS)
    assert c.na_reason == "N/A (target 0)"
    assert c.rule.startswith("rentang 0–5: di bawah, dibanding batas bawah 0")
    assert compute(D(7), Rentang(D(0), D(5)), NEG).raw == D(60)


def test_missing_realisation() -> None:
    c = compute(None, D(100), POS)
    assert c == Capaian(None, None, "belum ada realisasi", na_reason="belum ada realisasi")


def test_negative_target_is_na() -> None:
    assert compute(D(5), D(-2), POS).na_reason == "N/A (target negatif)"


def test_float_refused() -> None:
    with pytest.raises(TypeError):
        compute(85.0, D(100), POS)  # type: ignore[arg-type]


def test_ints_accepted() -> None:
    assert compute(85, 100, POS).raw == 85  # type: ignore[arg-type]


# --- predikat ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("120", "Sangat Tinggi"),
        ("150", "Sangat Tinggi"),
        ("91", "Sangat Tinggi"),
        ("90.99", "Tinggi"),
        ("76", "Tinggi"),
        ("75.99", "Sedang"),
        ("66", "Sedang"),
        ("65.99", "Rendah"),
        ("51", "Rendah"),
        ("50.99", "Sangat Rendah"),
        ("0", "Sangat Rendah"),
        ("-40", "Sangat Rendah"),
    ],
)
def test_predikat_boundaries(value: str, name: str) -> None:
    assert predikat(D(value)) == name


def test_predikat_na() -> None:
    assert predikat(None) is None


def test_predikat_other_scale_in_any_order() -> None:
    rules = CapaianRules(bands=((D(0), "Kurang"), (D(100), "Baik"), (D(80), "Cukup")))
    assert rules.bands[0] == (D(100), "Baik")
    assert predikat(D(100), rules) == "Baik"
    assert predikat(D("99.99"), rules) == "Cukup"
    assert predikat(D(-1), rules) == "Kurang"


def test_predikat_uses_capped_value() -> None:
    rules = CapaianRules(cap=D(95), bands=((D(100), "Istimewa"), (D(0), "Biasa")))
    assert predikat(D(130), rules) == "Biasa"


def test_rules_validated() -> None:
    with pytest.raises(ValueError):
        CapaianRules(cap=D(0))
    with pytest.raises(ValueError):
        CapaianRules(negative_variant="lain")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CapaianRules(bands=())
    with pytest.raises(ValueError):
        CapaianRules(bands=((D(1), "a"), (D(1), "b")))


# --- consolidation -----------------------------------------------------------------------------

TARGETS = {1: D(25), 2: D(25), 3: D(25), 4: D(25)}


@pytest.mark.parametrize(
    ("tw", "r", "t"),
    [(1, D(10), D(25)), (2, D(30), D(50)), (3, D(60), D(75)), (4, D(100), D(100))],
)
def test_kumulatif_each_triwulan(tw: int, r: Decimal, t: Decimal) -> None:
    real = {1: D(10), 2: D(20), 3: D(30), 4: D(40)}
    got_r, got_t, text = consolidate(KUM, tw, real, TARGETS, D(100))
    assert (got_r, got_t) == (r, t)
    assert text.startswith("kumulatif TW I")


def test_kumulatif_current_triwulan_not_reported() -> None:
    r, t, text = consolidate(KUM, 4, {1: D(10), 2: D(20), 3: D(30)}, TARGETS, D(100))
    assert (r, t) == (None, D(100))
    assert "TW IV belum dilaporkan" in text


def test_kumulatif_skips_earlier_unreported() -> None:
    r, t, text = consolidate(KUM, 3, {1: D(10), 2: None, 3: D(30)}, TARGETS, D(100))
    assert (r, t) == (D(40), D(75))
    assert (
        text
        == "kumulatif TW I–III: jumlah realisasi dibanding jumlah target; TW II belum dilaporkan"
    )


def test_kumulatif_sums_ranges_bound_by_bound() -> None:
    targets = {1: Rentang(D(10), D(20)), 2: D(15), 3: Rentang(D(5), D(6))}
    _, t, _ = consolidate(KUM, 3, {3: D(1)}, targets, D(0))
    assert t == Rentang(D(30), D(41))


def test_kumulatif_empty_triwulan_target_counts_zero() -> None:
    _, t, text = consolidate(KUM, 2, {2: D(1)}, {2: D(25)}, D(100))
    assert t == D(25)
    assert "target TW I kosong, dihitung 0" in text


@pytest.mark.parametrize(
    ("tw", "r", "t"),
    [(1, D("5.5"), D(6)), (2, D("5.2"), D("5.8")), (3, D("5.0"), D("5.6")), (4, None, D("5.5"))],
)
def test_nilai_akhir_each_triwulan(tw: int, r: Decimal | None, t: Decimal) -> None:
    real = {1: D("5.5"), 2: D("5.2"), 3: D("5.0")}
    targets = {1: D(6), 2: D("5.8"), 3: D("5.6"), 4: D("5.5")}
    got_r, got_t, _ = consolidate(AKHIR, tw, real, targets, D("5.5"))
    assert (got_r, got_t) == (r, t)


def test_nilai_akhir_without_triwulan_target_uses_annual() -> None:
    r, t, text = consolidate(AKHIR, 2, {2: D(7)}, {}, Rentang(D(5), D(6)))
    assert (r, t) == (D(7), Rentang(D(5), D(6)))
    assert "dipakai target tahunan" in text


def test_tahunan_kumulatif_built_from_triwulan() -> None:
    real = {1: D(10), 2: D(20), 3: D(30), 4: D(40)}
    assert consolidate(KUM, None, real, TARGETS, D(90))[:2] == (D(100), D(90))
    r, _, text = consolidate(KUM, None, {1: D(10), 3: D(30)}, TARGETS, D(90))
    assert r == D(40)
    assert "TW II, IV belum dilaporkan" in text


def test_tahunan_nilai_akhir_takes_latest_reported() -> None:
    real = {1: D("5.5"), 2: D("5.2"), 3: D("5.0")}
    r, t, text = consolidate(AKHIR, None, real, {}, D("5.5"))
    assert (r, t) == (D("5.0"), D("5.5"))
    assert "TW III" in text


def test_tahunan_reported_figure_wins() -> None:
    real = {1: D(10), 2: D(20)}
    r, _, text = consolidate(KUM, None, real, TARGETS, D(100), realisasi_tahunan=D(95))
    assert r == D(95)
    assert text == "tahunan: realisasi tahunan yang dilaporkan"


def test_tahunan_nothing_reported() -> None:
    assert consolidate(AKHIR, None, {}, {}, D(5))[0] is None


def test_triwulan_out_of_range() -> None:
    with pytest.raises(ValueError):
        consolidate(KUM, 5, {}, {}, D(1))


def test_consolidated_values_feed_compute() -> None:
    r, t, _ = consolidate(KUM, 2, {1: D(10), 2: D(20)}, TARGETS, D(100))
    assert compute(r, t, POS).raw == D(60)


# --- aggregation and budget --------------------------------------------------------------------


def test_aggregate_plain_mean_leaves_out_na() -> None:
    agg = aggregate([(D(80), None), (D(100), None), (None, None)])
    assert agg == Aggregate(value=D(90), count=2, na_count=1, weighted=False)


def test_aggregate_weighted_by_pagu() -> None:
    rules = CapaianRules(weight_by_pagu=True)
    agg = aggregate([(D(80), D(100)), (D(100), D(300)), (None, None)], rules)
    assert agg == Aggregate(value=D(95), count=2, na_count=1, weighted=True)


def test_aggregate_falls_back_to_plain_mean_when_a_pagu_is_missing() -> None:
    rules = CapaianRules(weight_by_pagu=True)
    assert aggregate([(D(80), D(100)), (D(100), None)], rules).weighted is False
    assert aggregate([(D(80), D(100)), (D(100), D(0))], rules).value == D(90)


def test_aggregate_all_na_and_empty() -> None:
    assert aggregate([(None, None), (None, D(5))]) == Aggregate(None, 0, 2)
    assert aggregate([]) == Aggregate(None, 0, 0)


def test_aggregate_caps_raw_values() -> None:
    assert aggregate([(D(150), None), (D(100), None)]).value == D(110)


def test_aggregate_up_the_tree() -> None:
    """Indicators → sub kegiatan → kegiatan → program, each the mean of the level below."""
    sub_a = aggregate([(compute(D(150), D(100), POS).capped, None), (D(80), None)])
    sub_b = aggregate([(compute(D(5), D(0), POS).capped, None), (D(70), None)])
    kegiatan = aggregate([(sub_a.value, None), (sub_b.value, None)])
    program = aggregate([(kegiatan.value, None), (D(90), None)])
    assert (sub_a.value, sub_b.value, sub_b.na_count) == (D(100), D(70), 1)
    assert kegiatan.value == D(85)
    assert program.value == D("87.5")


def test_unit_with_own_indicators_takes_their_mean_and_shows_its_childrens_beside() -> None:
    unit = unit_capaian([D(75), D(90)], [(D(110), None), (D(100), None)], "kegiatan")
    assert (unit.value, unit.own.value, unit.children.value) == (D("82.5"), D("82.5"), D(105))
    assert unit.rule == "indikator sendiri (2 indikator); bukan rata-rata kegiatan di bawahnya"


def test_unit_without_own_indicators_takes_its_childrens_mean() -> None:
    unit = unit_capaian([], [(D(120), D(100)), (D(60), D(300)), (None, D(5))], "sub kegiatan")
    assert (unit.value, unit.own, unit.children.count) == (D(90), None, 2)
    assert unit.rule == (
        "rata-rata sub kegiatan di bawahnya (2 sub kegiatan, 1 tanpa capaian tidak dihitung); "
        "tanpa indikator sendiri"
    )
    weighted = unit_capaian([], [(D(120), D(100)), (D(60), D(300))], "sub kegiatan", PAGU)
    assert weighted.value == D(75)
    assert "(tertimbang pagu, 2 sub kegiatan)" in weighted.rule


def test_unit_whose_own_indicators_have_no_capaian_stays_without_one() -> None:
    """Own indicators decide even when none has a capaian: the children do not stand in."""
    unit = unit_capaian([None], [(D(100), None)], "kegiatan")
    assert (unit.value, unit.children.value) == (None, D(100))
    assert unit.rule.startswith("indikator sendiri (tidak ada indikator yang bercapaian)")
    assert unit_capaian([], [], "").rule == "belum ada indikator"
    assert unit_capaian([D(150)], [], "").value == D(120)  # capped like any mean


def test_serapan() -> None:
    assert serapan(D(1000), D(850)) == D(85)
    assert serapan(D(0), D(10)) is None
    assert serapan(None, D(10)) is None
    assert serapan(D(1000), None) is None


def test_efisiensi() -> None:
    assert efisiensi(D(90), D(75)) == D("1.2")
    assert efisiensi(D(90), D(0)) is None
    assert efisiensi(None, D(75)) is None
    assert efisiensi(D(90), None) is None


# --- properties --------------------------------------------------------------------------------

values = st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False)
targets = st.decimals(min_value=D("0.001"), max_value=10**6, places=3, allow_nan=False)
all_rules = st.sampled_from([KHUSUS, RASIO, CapaianRules(cap=D(100)), CapaianRules(cap=D(150))])


@st.composite
def ranges(draw: st.DrawFn) -> Rentang:
    lo, hi = sorted((draw(targets), draw(targets)))
    return Rentang(lo, hi)


@given(values, values, st.one_of(targets, ranges()), all_rules)
def test_positif_non_decreasing_in_realisation(
    r1: Decimal, r2: Decimal, t: Decimal | Rentang, rules: CapaianRules
) -> None:
    lo, hi = sorted((r1, r2))
    a, b = compute(lo, t, POS, rules), compute(hi, t, POS, rules)
    assert a.raw is not None and b.raw is not None
    assert a.raw <= b.raw
    assert a.capped is not None and b.capped is not None
    assert a.capped <= b.capped


@given(values, values, st.one_of(targets, ranges()), all_rules)
def test_negatif_non_increasing_in_realisation(
    r1: Decimal, r2: Decimal, t: Decimal | Rentang, rules: CapaianRules
) -> None:
    lo, hi = sorted((r1, r2))
    a, b = compute(lo, t, NEG, rules), compute(hi, t, NEG, rules)
    assert a.capped is not None and b.capped is not None
    assert a.capped >= b.capped
    assert a.raw is not None and b.raw is not None
    if rules.negative_variant == "khusus" or lo > 0:
        assert a.raw >= b.raw  # rasio's raw is only monotone where T/R is defined (R > 0)


@given(targets, st.sampled_from([POS, NEG]), all_rules)
def test_exactly_100_at_target(t: Decimal, pol: Polaritas, rules: CapaianRules) -> None:
    c = compute(t, t, pol, rules)
    assert c.raw == 100
    assert c.capped == 100


@given(
    st.one_of(st.none(), values),
    st.one_of(values, ranges()),
    st.sampled_from([POS, NEG]),
    all_rules,
)
def test_capped_never_above_cap(
    r: Decimal | None, t: Decimal | Rentang, pol: Polaritas, rules: CapaianRules
) -> None:
    c = compute(r, t, pol, rules)
    assert (c.capped is None) == (c.raw is None) == (c.na_reason is not None)
    if c.capped is not None and c.raw is not None:
        assert c.capped <= rules.cap
        assert c.capped == min(c.raw, rules.cap)
        if c.raw != rules.cap:  # at the cap exactly, only rasio's R ≤ 0 marks the cap applied
            assert c.cap_applied == (c.raw > rules.cap)


capaian_values = st.decimals(min_value=-200, max_value=120, places=4, allow_nan=False)
pagu = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**12, places=2))


@given(
    st.lists(st.tuples(st.one_of(st.none(), capaian_values), pagu), min_size=1, max_size=30),
    st.booleans(),
)
def test_aggregate_between_min_and_max(
    items: list[tuple[Decimal | None, Decimal | None]], by_pagu: bool
) -> None:
    agg = aggregate(items, CapaianRules(weight_by_pagu=by_pagu))
    present = [v for v, _ in items if v is not None]
    assert agg.count == len(present)
    assert agg.na_count == len(items) - len(present)
    assume(present)
    assert agg.value is not None
    assert min(present) <= agg.value <= max(present)


@given(
    st.sampled_from(list(Konsolidasi)),
    st.sampled_from([None, 1, 2, 3, 4]),
    values,
    st.dictionaries(st.integers(1, 4), values, max_size=4),
    all_rules,
)
def test_a_measure_said_not_to_use_earlier_figures_is_the_same_without_them(
    konsolidasi: Konsolidasi, tw: int | None, r: Decimal, earlier: dict, rules: CapaianRules
) -> None:
    """/lapor skips reading the other triwulan's figures where `uses_earlier` says so."""
    spec = IndicatorSpec("%", POS, konsolidasi, D(80), (D(20), D(40), None, D(80)))
    if not spec.uses_earlier(tw):
        assert measure(spec, tw, r, earlier, rules) == measure(spec, tw, r, {}, rules)
