"""Well-formedness of the identifiers the service takes in: resident ID numbers (GB 11643), mobile
and landline numbers, unified social credit codes (GB 32100) and station ids.

Every error message names the field, never the value: values are personal data."""

from __future__ import annotations

import re
import uuid
from datetime import date

from pzh_shared.areas import is_area_code

from talent.domain.errors import InvalidPersonalData, TalentError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_id_number(value: str) -> str:
    """A mainland resident ID number (18 characters, check digit, real birth date), upper-cased."""
    value = value.strip().upper()
    if not _ID_PATTERN.match(value):
        raise InvalidPersonalData("身份证号码格式不正确：应为 18 位，末位可为 X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidPersonalData("身份证号码中的出生日期无效") from None
    if not date(1900, 1, 1) <= born <= date.today():
        raise InvalidPersonalData("身份证号码中的出生日期无效")
    if id_check_digit(value[:17]) != value[17]:
        raise InvalidPersonalData("身份证号码校验位不正确")
    return value


def phone_number(value: str) -> str:
    value = value.strip().replace(" ", "")
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise InvalidPersonalData("联系电话格式不正确：应为 11 位手机号码或带区号的固定电话")
    return value


def person_name(value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= 50:
        raise InvalidPersonalData("姓名不能为空，且不超过 50 个字符")
    return value


def credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code(value: str) -> str:
    """A unified social credit code (统一社会信用代码), the registration number of a registered organisation."""
    value = value.strip().upper()
    if not _CREDIT_PATTERN.match(value):
        raise TalentError("登记证号(统一社会信用代码)格式不正确：应为 18 位数字或大写字母")
    if credit_check_char(value[:17]) != value[17]:
        raise TalentError("登记证号(统一社会信用代码)校验位不正确")
    return value


def station_id(value: str | uuid.UUID) -> str:
    """The registry's opaque station UUID, in canonical text form."""
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip()))
    except ValueError:
        raise TalentError("站点编号(station_id)应为 UUID") from None


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """For display: `110101********1234`."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def checked_area(area_code: str | None) -> str | None:
    """An optional area code (6, 9 or 12 digits), or None."""
    if area_code is None:
        return None
    if not is_area_code(area_code):
        raise TalentError("行政区划代码格式不正确：应为 6、9 或 12 位数字")
    return area_code
