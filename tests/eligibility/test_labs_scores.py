"""Units, conversions and computed scores."""

import pytest

from trialscout.eligibility import UnitError, bmi, convert, egfr_ckd_epi_2021, meld, normalize_unit


@pytest.mark.parametrize("spelling,canonical", [
    ("μmol/L", "umol/L"), ("µmol/l", "umol/L"), ("umol/L", "umol/L"), ("micromol/L", "umol/L"),
    ("x10^9/L", "10^9/L"), ("×10⁹/L", "10^9/L"), ("10*9/L", "10^9/L"), ("x 109/L", "10^9/L"),
    ("/mm³", "/uL"), ("K/µL", "10^3/uL"), ("10*3/uL", "10^3/uL"), ("g/dl", "g/dL"), ("mg/dL", "mg/dL"),
    ("mL/min/1.73 m2", "mL/min/1.73m2"), ("{INR}", "1"), ("%", "%"), ("x ULN", "x ULN"),
])
def test_unit_spellings(spelling, canonical):
    assert normalize_unit(spelling) == canonical


def test_unknown_unit_is_none():
    assert normalize_unit("furlongs per fortnight") is None


@pytest.mark.parametrize("value,src,dst,analyte,expected", [
    (12, "mg/dL", "umol/L", "bilirubin", 205.2),
    (171, "µmol/L", "mg/dL", "bilirubin", 10.0),
    (1.0, "mg/dL", "umol/L", "creatinine", 88.4),
    (12, "g/dL", "g/L", "hemoglobin", 120),
    (8.0, "mmol/L", "g/dL", "hemoglobin", 12.9),
    (150000, "/uL", "10^9/L", "platelets", 150),
    (150, "10^3/uL", "10^9/L", "platelets", 150),
    (100, "mg/dL", "mmol/L", "glucose", 5.55),
    (53, "mmol/mol", "%", "hba1c", 7.0),
    (140, "mEq/L", "mmol/L", "sodium", 140),
    (100.4, "°F", "°C", "temperature", 38.0),
])
def test_conversions(value, src, dst, analyte, expected):
    assert convert(value, src, dst, analyte) == pytest.approx(expected, rel=2e-3)


def test_conversion_that_makes_no_sense_raises_with_advice():
    with pytest.raises(UnitError, match="Cannot convert"):
        convert(1.0, "g/L", "10^9/L", "platelets")
    with pytest.raises(UnitError, match="not known"):
        convert(1.0, "bogus", "mg/dL", "bilirubin")
    with pytest.raises(UnitError):
        convert(1.0, "mg/dL", "umol/L", "albumin")  # no molar mass in the table: no guessing


def test_meld_follows_unos_formula_with_floors_and_cap():
    assert meld(12, 1.9, 1.0) == 23
    assert meld(0.5, 0.9, 0.5) == 6  # every input floored at 1.0
    assert meld(30, 3.0, 6.0) == meld(30, 3.0, 4.0)  # creatinine capped at 4.0
    assert meld(1.0, 1.0, 1.0, dialysis=True) == meld(1.0, 1.0, 4.0)


def test_bmi_and_egfr():
    assert bmi(80, 175) == pytest.approx(26.1, abs=0.05)
    assert egfr_ckd_epi_2021(1.0, 52, "male") == pytest.approx(90.6, abs=0.5)
    assert egfr_ckd_epi_2021(0.8, 60, "female") == pytest.approx(84.3, abs=0.2)
