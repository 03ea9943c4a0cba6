"""Reading and showing numbers the way Indonesians type them (core.numbers)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.numbers import (
    COUNT_UNITS,
    AmbiguousScale,
    NumberError,
    ParsedNumber,
    UnitCheck,
    UnitKind,
    check_for_unit,
    format_exact,
    format_id,
    format_percent,
    parse_number,
    unit_kind,
)

D = Decimal
ACCEPTED = UnitCheck(ok=True, needs_confirmation=False, message=None)


@pytest.mark.parametrize(
    ("text", "value", "percent"),
    [
        ("1.234", "1234", False),
        ("1.234.567", "1234567", False),
        ("12,5", "12.5", False),
        ("1.234,5", "1234.5", False),
        ("12.345.678,90", "12345678.9", False),
        ("1234.5", "1234.5", False),
        ("0.5", "0.5", False),
        ("12.50", "12.5", False),
        ("1234", "1234", False),
        ("0", "0", False),
        ("85%", "85", True),
        ("85 %", "85", True),
        ("85 persen", "85", True),
        ("85 Persen", "85", True),
        ("85,5%", "85.5", True),
        ("85 prosen", "85", True),
        ("1 ribu", "1000", False),
        ("2,5 rb", "2500", False),
        ("1,2 juta", "1200000", False),
        ("3 jt", "3000000", False),
        ("1.5 juta", "1500000", False),
        ("1,5 miliar", "1500000000", False),
        ("2 M", "2000000000", False),
        ("2M", "2000000000", False),
        ("1 triliun", "1000000000000", False),
        ("Rp 1.500.000", "1500000", False),
        ("Rp. 1.500.000", "1500000", False),
        ("rp1.500", "1500", False),
        ("Rp 2,5 juta", "2500000", False),
        ("Rp 1.000,-", "1000", False),
        ("-5", "-5", False),
        ("- 5", "-5", False),
        ("\u22125", "-5", False),
        ("-1.234,5", "-1234.5", False),
        ("-Rp 500", "-500", False),
        ("Rp -500", "-500", False),
        ("-0", "0", False),
        ("  42  ", "42", False),
        ("\u00a042\u00a0", "42", False),
    ],
)
def test_parse_accepts(text: str, value: str, percent: bool) -> None:
    assert parse_number(text) == ParsedNumber(D(value), percent)


def test_parse_keeps_plain_form() -> None:
    """Scaled values are stored without exponent: text columns hold '1200000', not '1.2E+6'."""
    assert str(parse_number("1,2 juta").value) == "1200000"
    assert str(parse_number("12,50").value) == "12.5"
    assert str(parse_number("-0").value) == "0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Belum ada angka. Tulis angkanya saja, misalnya 1.234,5 atau 85%."),
        ("   ", "Belum ada angka."),
        ("abc", "Angka tidak dikenali. Tulis angkanya saja, misalnya 1.234,5 atau 85%."),
        ("delapan puluh", "Angka tidak dikenali."),
        ("12abc", "Angka tidak dikenali."),
        ("85%%", "Angka tidak dikenali."),
        ("85.", "Angka tidak dikenali."),
        (".5", "Angka tidak dikenali."),
        ("1e5", "Terbaca lebih dari satu angka"),
        ("85 90", "Terbaca lebih dari satu angka (85, 90). Kirim satu angka saja"),
        ("80-90", "Terbaca lebih dari satu angka (80, 90)"),
        ("1 234", "Terbaca lebih dari satu angka"),
        ("1,2,3", "Koma hanya boleh satu, sebagai tanda desimal (misalnya 12,5)"),
        ("1,2.3", "Titik tidak boleh sesudah koma"),
        ("1.23,5", "Pemisah ribuan tidak tepat"),
        ("1234.567", "Penulisan angka ini meragukan"),
        ("1.23.456", "Penulisan angka ini meragukan"),
        ("1.234.5", "Penulisan angka ini meragukan"),
        ("0.500", "Penulisan angka ini meragukan"),
        ("--5", "Tanda minus cukup satu"),
        ("5 m", "'5 m' bisa berarti 5 juta atau 5 miliar"),
        ("5 juta%", "Persen tidak bisa digabung dengan ribu/juta/miliar"),
        ("Rp 85%", "Rupiah tidak bisa dalam persen"),
        ("1" * 70, "Teks terlalu panjang"),
    ],
)
def test_parse_refuses_with_indonesian_hint(text: str, message: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


def test_a_lowercase_m_offers_both_readings() -> None:
    with pytest.raises(AmbiguousScale) as info:
        parse_number("1,5 m")
    assert info.value.choices == ("1,5 juta", "1,5 miliar")
    assert [parse_number(c).value for c in info.value.choices] == [
        Decimal(1_500_000),
        Decimal(1_500_000_000),
    ]


def test_rupiah_is_never_negative_nor_percent() -> None:
    assert unit_kind("Rupiah") is UnitKind.RUPIAH and unit_kind("Rp") is UnitKind.RUPIAH
    assert not check_for_unit(parse_number("Rp -5"), "Rupiah").ok
    assert not check_for_unit(parse_number("-5"), "rupiah").ok
    assert check_for_unit(parse_number("Rp 1.500.000"), "Rupiah").ok
    assert not check_for_unit(parse_number("Rp -5"), "orang").ok


@pytest.mark.parametrize(
    ("satuan", "kind"),
    [
        ("persen", UnitKind.PERSEN),
        ("Persen", UnitKind.PERSEN),
        ("%", UnitKind.PERSEN),
        ("Persentase (%)", UnitKind.PERSEN),
        ("prosen", UnitKind.PERSEN),
        ("indeks persen", UnitKind.PERSEN),
        ("Orang", UnitKind.JUMLAH),
        ("orang", UnitKind.JUMLAH),
        ("Jumlah Peserta", UnitKind.JUMLAH),
        ("dokumen laporan", UnitKind.JUMLAH),
        ("Orang (pencari kerja)", UnitKind.JUMLAH),
        ("Pencari Kerja", UnitKind.JUMLAH),
        ("tenaga kerja", UnitKind.JUMLAH),
        ("Kepala Keluarga", UnitKind.JUMLAH),
        ("kasus", UnitKind.JUMLAH),
        ("indeks", UnitKind.LAINNYA),
        ("nilai", UnitKind.LAINNYA),
        ("rupiah", UnitKind.RUPIAH),
        ("hari", UnitKind.LAINNYA),
        ("orang/hari", UnitKind.LAINNYA),
        ("rupiah per orang", UnitKind.LAINNYA),
        ("kerja", UnitKind.LAINNYA),
        ("", UnitKind.LAINNYA),
    ],
)
def test_unit_kind(satuan: str, kind: UnitKind) -> None:
    assert unit_kind(satuan) is kind


@pytest.mark.parametrize("unit", COUNT_UNITS)
def test_every_listed_count_unit_is_a_count(unit: str) -> None:
    assert unit_kind(unit.upper()) is UnitKind.JUMLAH


def test_check_count_refuses_negative() -> None:
    check = check_for_unit(ParsedNumber(D(-3)), "orang")
    assert not check.ok
    assert check.message == "Jumlah orang tidak bisa negatif. Tulis 0 atau lebih, misalnya 25."


def test_check_count_refuses_fraction() -> None:
    check = check_for_unit(ParsedNumber(D("2.5")), "Dokumen")
    assert not check.ok
    assert check.message == "Jumlah Dokumen harus bilangan bulat, misalnya 25 (bukan 2,5)."


def test_check_count_accepts_scaled_whole_number() -> None:
    assert check_for_unit(parse_number("1,5 ribu"), "orang") == ACCEPTED


def test_check_count_refuses_percent() -> None:
    check = check_for_unit(parse_number("85%"), "orang")
    assert not check.ok
    assert check.message is not None
    assert "bukan persen" in check.message
    assert "tanpa %" in check.message


def test_check_percent_above_100_asks() -> None:
    check = check_for_unit(parse_number("120%"), "persen")
    assert check.ok
    assert check.needs_confirmation
    assert check.message == "Nilai di atas 100% — yakin?"


def test_check_percent_100_and_plain_number_accepted() -> None:
    assert check_for_unit(parse_number("100"), "%") == ACCEPTED
    assert check_for_unit(parse_number("85,5"), "persen") == ACCEPTED


def test_check_negative_percent_asks() -> None:
    check = check_for_unit(parse_number("-1,5%"), "persen")
    assert check.ok
    assert check.needs_confirmation
    assert check.message == "Nilai negatif — yakin?"


def test_check_other_units_accept_anything() -> None:
    for text in ("-2,5", "3,75", "150%", "1,2 juta"):
        assert check_for_unit(parse_number(text), "indeks") == ACCEPTED


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (D("1234.5"), 2, "1.234,50"),
        (D("85"), 0, "85"),
        (D("85"), 2, "85,00"),
        (D("1234567.891"), 2, "1.234.567,89"),
        (D("0.125"), 2, "0,13"),  # half up, not banker's rounding
        (D("2.5"), 0, "3"),
        (D("-1234.5"), 2, "-1.234,50"),
        (D("-0.001"), 2, "0,00"),  # no "-0,00"
        (D("999.995"), 2, "1.000,00"),
        (D("1.2E+6"), 0, "1.200.000"),
        (7, 1, "7,0"),
    ],
)
def test_format_id(value: Decimal, places: int, shown: str) -> None:
    assert format_id(value, places) == shown


def test_format_percent_and_exact() -> None:
    assert format_percent(D(85)) == "85,00%"
    assert format_percent(D("94.4444"), 1) == "94,4%"
    assert format_exact(D("80.50")) == "80,5"
    assert format_exact(D("1.2E+6")) == "1.200.000"
    assert format_exact(D("-0.125")) == "-0,125"


def test_format_refuses_float_and_infinity() -> None:
    with pytest.raises(TypeError):
        format_id(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_id(D("Infinity"))


@given(
    st.decimals(
        min_value=D("-1e12"), max_value=D("1e12"), places=4, allow_nan=False, allow_infinity=False
    )
)
def test_format_then_parse_round_trips(x: Decimal) -> None:
    expected = x.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert parse_number(format_id(x, 2)).value == expected
    assert parse_number(format_id(x, 2) + "%").percent


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_whole_numbers_round_trip_without_decimals(n: int) -> None:
    assert parse_number(format_id(D(n), 0)).value == n
