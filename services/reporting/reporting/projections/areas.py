"""Area codes as the read models use them: a code's tier and its chain of ancestors."""

from __future__ import annotations


def level(code: str) -> str:
    if len(code) == 6:
        return "city" if code.endswith("00") else "county"
    return {9: "township", 12: "village"}[len(code)]


def parent(code: str) -> str | None:
    if len(code) == 12:
        return code[:9]
    if len(code) == 9:
        return code[:6]
    if level(code) == "county":
        return code[:4] + "00"
    return None


def lineage(code: str) -> list[str]:
    """The code and every ancestor up to its city, e.g. 510402001 -> [510402001, 510402, 510400]."""
    chain = [code]
    while (up := parent(chain[-1])) is not None:
        chain.append(up)
    return chain
