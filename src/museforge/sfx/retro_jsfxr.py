"""jsfxr's file formats: the JSON its "Serialize" button gives, and its base58 share links.

JSON keys are jsfxr's (``oldParams``, ``wave_type`` 0..3, ``p_*``, ``sound_vol``, ``sample_rate``,
``sample_size``); missing keys take jsfxr's defaults, as jsfxr's own ``fromJSON`` does. A share
link (``https://sfxr.me/#<base58>`` or just the base58 text) packs ``wave_type`` as one byte and
the 22 ``p_*`` values as little-endian float32, in jsfxr's ``params_order``; it carries no volume
or export settings, so those take jsfxr's defaults on import.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from pathlib import Path

from museforge.errors import MuseforgeError
from museforge.sfx.retro_synth import KNOBS, WAVE_TYPES, SfxrParams, fold_knobs

JSFXR_KEYS = ("oldParams", "wave_type", *KNOBS, "sample_rate", "sample_size")
B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B58_ORDER = tuple(name for name in KNOBS if name.startswith("p_"))  # jsfxr's params_order after wave_type


def export_jsfxr(params: SfxrParams) -> dict:
    """The dict jsfxr's "Serialize" button gives (wave_type as 0..3), ready for ``json.dumps``."""
    out: dict = {"oldParams": True, "wave_type": WAVE_TYPES.index(params.wave_type)}
    out.update({name: getattr(params, name) for name in KNOBS})
    out.update(sample_rate=params.sample_rate, sample_size=params.sample_size)
    return out


def import_jsfxr(source: str | Path | Mapping, *, clamp: bool = False) -> SfxrParams:
    """Parameters from jsfxr: a JSON file path, JSON text, a parsed dict, or a share link / base58 text.

    Unknown keys and out-of-range values are errors naming the field and its allowed range.
    jsfxr's own Random and Mutate buttons can write values outside the documented ranges;
    ``clamp=True`` folds them in: exactly where jsfxr's synth ignores the sign (see
    :func:`museforge.sfx.retro_synth.fold_knobs`), by clipping elsewhere.
    """
    if isinstance(source, Mapping):
        data = dict(source)
    elif isinstance(source, str) and _looks_like_b58(source):
        data = decode_b58(source)
    else:
        data = _load_json(source)
    unknown = sorted(set(data) - set(JSFXR_KEYS))
    if unknown:
        raise MuseforgeError(f"unknown jsfxr key(s) {', '.join(map(repr, unknown))}; valid: {', '.join(JSFXR_KEYS)}")
    if data.pop("oldParams", True) is not True:
        raise MuseforgeError("oldParams must be true: only jsfxr's p_* parameter format is supported")
    wave = data.pop("wave_type", 0)
    if isinstance(wave, bool) or not isinstance(wave, (int, float)) or wave not in range(len(WAVE_TYPES)):
        raise MuseforgeError(f"wave_type must be 0, 1, 2 or 3 ({', '.join(WAVE_TYPES)}), got {wave!r}")
    values = {"wave_type": WAVE_TYPES[int(wave)], **data}
    if clamp:
        values = fold_knobs({k: v for k, v in values.items() if _is_number(v) or k not in KNOBS})
    try:
        return SfxrParams(**values)
    except MuseforgeError as exc:
        raise MuseforgeError(f"{exc} (jsfxr's Random button can write such values: "
                             "import with clamp=True to fold them into range)") from None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _load_json(source: str | Path) -> dict:
    text = str(source)
    if not (isinstance(source, str) and text.lstrip().startswith(("{", "["))):
        path = Path(source)
        if not path.is_file():
            raise MuseforgeError(f"jsfxr file not found: {path}")
        text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MuseforgeError(f"not valid jsfxr JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise MuseforgeError(f"jsfxr JSON must be an object of parameters, got {type(data).__name__}")
    return data


# --- base58 share links ---------------------------------------------------------------------------

def _strip_link(text: str) -> str:
    text = text.strip()
    return text.rsplit("#", 1)[1] if "#" in text else text


def _looks_like_b58(text: str) -> bool:
    body = _strip_link(text)
    return len(body) >= 20 and all(c in B58_ALPHABET for c in body) and not Path(text).exists()


def _float_bits(value: float) -> int:
    """jsfxr's floatToNumber: float32 bits with the mantissa truncated (not rounded), as jsfxr writes them."""
    if value == 0.0:
        return 0
    sign = 1 if value < 0 else 0
    value = abs(value)
    exponent = math.floor(math.log(value) / math.log(2))
    if exponent < -126:  # jsfxr writes tiny values as infinity; below 1e-38 nothing audible changes
        return sign << 31
    mantissa = value / 2.0 ** exponent
    return (sign << 31) | ((exponent + 127) << 23) | (int(mantissa * 2 ** 23) & 0x7FFFFF)


def export_jsfxr_b58(params: SfxrParams) -> str:
    """The base58 text of jsfxr's share link (``https://sfxr.me/#`` + this)."""
    return encode_b58(export_jsfxr(params))


def encode_b58(values: Mapping) -> str:
    """jsfxr's ``b58encode`` of a dict with an integer wave_type and the p_* values."""
    payload = bytes([int(values["wave_type"])]) + b"".join(
        struct.pack("<I", _float_bits(float(values[name]))) for name in B58_ORDER)
    number = int.from_bytes(payload, "big")
    digits = ""
    while number:
        number, digit = divmod(number, 58)
        digits = B58_ALPHABET[digit] + digits
    leading_zeros = len(payload) - len(payload.lstrip(b"\0"))
    return "1" * leading_zeros + digits


def decode_b58(text: str) -> dict:
    """jsfxr's ``b58decode``: a share link or its base58 text -> a dict of wave_type and p_* values."""
    body = _strip_link(text)
    number = 0
    for char in body:
        digit = B58_ALPHABET.find(char)
        if digit < 0:
            raise MuseforgeError(f"not a jsfxr share link: {char!r} is not a base58 character")
        number = number * 58 + digit
    leading_zeros = len(body) - len(body.lstrip("1"))
    payload = b"\0" * leading_zeros + (number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b"")
    expected = 1 + 4 * len(B58_ORDER)
    if len(payload) != expected:
        raise MuseforgeError(f"{body[:24]}... is neither a jsfxr file nor a share link: it decodes to "
                             f"{len(payload)} bytes, jsfxr's links hold {expected}")
    values = struct.unpack(f"<{len(B58_ORDER)}f", payload[1:])
    return {"wave_type": payload[0], **{name: float(v) for name, v in zip(B58_ORDER, values)}}
