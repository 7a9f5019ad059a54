from decimal import Decimal

import pytest
from funding.domain.errors import FundingError
from funding.domain.money import positive, shown, text, yuan


def test_amounts_are_exact_decimals_to_the_fen():
    assert yuan("1234.5") == Decimal("1234.50")
    assert yuan(12) == Decimal("12.00")
    assert text(yuan("0.1") + yuan("0.2")) == "0.30"
    assert shown(Decimal("1234567.8")) == "1,234,567.80 元"


@pytest.mark.parametrize("bad", [0.1, 12.0, "1.001", "-1", "abc", "NaN", "Infinity", True, "1e400"])
def test_floats_fractions_of_a_fen_and_nonsense_are_refused(bad):
    with pytest.raises(FundingError):
        yuan(bad)


def test_positive_refuses_zero():
    with pytest.raises(FundingError, match="应大于 0"):
        positive("0.00")
