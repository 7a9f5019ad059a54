"""Money: exact decimals in yuan with at most two places (fen). Never floats: a float is refused
wherever an amount enters, and amounts leave as strings ("1234.50")."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from funding.domain.errors import FundingError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# 10^12 yuan: far above any budget here, and it keeps every amount within 14 digits.
LIMIT = Decimal("1000000000000")


def yuan(value: object, what: str = "金额") -> Decimal:
    """An amount in yuan from a Decimal, an int or a decimal string; at most two places, not negative."""
    if isinstance(value, bool) or isinstance(value, float):
        raise FundingError(f"{what}应以元为单位的十进制字符串表示(例如 \"1234.50\")，不接受浮点数")
    try:
        amount = Decimal(value) if isinstance(value, int | str) else value
    except InvalidOperation:
        raise FundingError(f"{what}格式不正确，应为以元为单位、最多两位小数的数字") from None
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise FundingError(f"{what}格式不正确，应为以元为单位、最多两位小数的数字")
    if amount < 0:
        raise FundingError(f"{what}不能为负数")
    if amount >= LIMIT:
        raise FundingError(f"{what}超出允许范围")
    if amount != amount.quantize(FEN, rounding=ROUND_DOWN):
        raise FundingError(f"{what}最多两位小数(精确到分)")
    return amount.quantize(FEN)


def positive(value: object, what: str = "金额") -> Decimal:
    amount = yuan(value, what)
    if amount <= 0:
        raise FundingError(f"{what}应大于 0")
    return amount


def text(amount: Decimal) -> str:
    """The amount as JSON carries it: a plain decimal string with two places."""
    return f"{amount.quantize(FEN):f}"


def shown(amount: Decimal) -> str:
    """The amount as people read it: thousands separated, two places, in yuan."""
    return f"{amount.quantize(FEN):,.2f} 元"
