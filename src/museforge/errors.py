"""The one error type users see.

Anything raised as :class:`MuseforgeError` is a problem with the user's input or environment
(unknown style, corrupt file, out-of-range value). Interfaces turn it into a one-line message and
a non-zero exit code (CLI) or a 4xx response (HTTP); every other exception is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable


class MuseforgeError(ValueError):
    """A user-facing error whose message says what to change."""


def check_choice(field: str, value: object, valid: Iterable[str]) -> str:
    """Return ``value`` if it names one of ``valid``, else raise listing the valid names."""
    choices = sorted(valid)
    if not isinstance(value, str) or value not in choices:
        raise MuseforgeError(f"unknown {field} {value!r}; valid: {', '.join(choices)}")
    return value


def check_range(field: str, value: object, low: float, high: float, unit: str = "") -> float:
    """Return ``value`` as a float if ``low <= value <= high``, else raise with the allowed range."""
    suffix = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MuseforgeError(f"{field} must be a number in [{low}, {high}]{suffix}, got {value!r}")
    if not low <= float(value) <= high:
        raise MuseforgeError(f"{field} must be in [{low}, {high}]{suffix}, got {value}")
    return float(value)
