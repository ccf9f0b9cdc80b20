"""How the pack writes dates, numbers, money and plurals: one place, so every table agrees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def long_date(value: dt.date | None) -> str:
    """1 April 2014."""
    if value is None:
        return ""
    return f"{value.day} {value.strftime('%B %Y')}"


def num(value: Decimal | float | int) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def money(value: Decimal) -> str:
    return f"£{value.quantize(Decimal(1)):,}"


def signed(before: Decimal, after: Decimal, as_money: bool = False) -> str:
    delta = after - before
    if delta == 0:
        return "no change"
    text = money(abs(delta)) if as_money else num(abs(delta))
    return ("+" if delta > 0 else "−") + text


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def capital(text: str) -> str:
    """The first letter upper case, the rest as written."""
    return text[:1].upper() + text[1:]
