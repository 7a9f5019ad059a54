import uuid

import pytest
from talent.domain import identifiers
from talent.domain.errors import InvalidPersonalData, TalentError


def test_resident_id_number_with_right_check_digit_is_kept_upper_case():
    first17 = "51040219850101123"
    number = first17 + identifiers.id_check_digit(first17)
    assert identifiers.resident_id_number(" " + number.lower() + " ") == number


@pytest.mark.parametrize("bad, reason", [
    ("5104021985010112", "格式"), ("51040219851301123X", "出生日期"), ("510402218501011230", "出生日期"),
])
def test_malformed_id_numbers_are_refused_without_repeating_them(bad, reason):
    with pytest.raises(InvalidPersonalData, match=reason) as caught:
        identifiers.resident_id_number(bad)
    assert bad not in str(caught.value)


def test_wrong_check_digit_is_refused():
    first17 = "51040219850101123"
    right = identifiers.id_check_digit(first17)
    wrong = next(c for c in "0123456789X" if c != right)
    with pytest.raises(InvalidPersonalData, match="校验位"):
        identifiers.resident_id_number(first17 + wrong)


@pytest.mark.parametrize("phone", ["13800001111", "0812-3334444", "08123334444", "138 0000 1111"])
def test_phone_numbers(phone):
    assert identifiers.phone_number(phone) == phone.replace(" ", "")


@pytest.mark.parametrize("phone", ["12800001111", "1380000111", "call me", ""])
def test_bad_phone_numbers(phone):
    with pytest.raises(InvalidPersonalData):
        identifiers.phone_number(phone)


def test_credit_code_check_character():
    first17 = "52510400MJ0000001"
    code = first17 + identifiers.credit_check_char(first17)
    assert identifiers.credit_code(code.lower()) == code
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[-1])
    with pytest.raises(TalentError, match="校验位"):
        identifiers.credit_code(first17 + wrong)
    with pytest.raises(TalentError, match="格式"):
        identifiers.credit_code("52510400MJ000000I" + "1")  # I is not a credit-code character


def test_station_id_is_canonical_uuid_text():
    sid = uuid.uuid4()
    assert identifiers.station_id(str(sid).upper()) == str(sid)
    with pytest.raises(TalentError):
        identifiers.station_id("东区一站")


def test_mask():
    assert identifiers.mask("510402198501011234", 6, 4) == "510402********1234"
    assert identifiers.mask("123", 2, 2) == "***"
