"""`import museforge` exposes exactly the documented surface, stays fast and loads nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import museforge

DOCUMENTED = ["MuseforgeError", "Piece", "Sound", "__version__", "arrange", "compose", "sfx"]


def test_all_is_exactly_the_documented_list():
    assert museforge.__all__ == DOCUMENTED


def test_every_exported_member_resolves_and_is_documented():
    for name in museforge.__all__:
        member = getattr(museforge, name)
        if name != "__version__":
            doc = member.__call__.__doc__ if name == "sfx" else member.__doc__
            assert doc and doc.strip(), name
    assert callable(museforge.sfx) and callable(museforge.arrange) and callable(museforge.compose)


def _fresh(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def test_a_fresh_import_exposes_only_all_and_loads_nothing_heavy():
    found = _fresh(
        "import json, sys, time, types; t = time.perf_counter(); import museforge; "
        "s = time.perf_counter() - t; "
        "public = sorted(k for k, v in vars(museforge).items() if (not k.startswith('_') or k == '__version__') "
        "and not (isinstance(v, types.ModuleType) and k != 'sfx')); "
        "heavy = sorted(m for m in ('numpy', 'torch', 'symusic', 'music21', 'scipy', 'museforge.api') "
        "if m in sys.modules); "
        "shown = [d for d in dir(museforge) if not d.startswith('_') or d == '__version__']; "
        "print(json.dumps({'public': public, 'dir': shown, 'heavy': heavy, 'seconds': s}))")
    assert set(found["public"]) <= set(DOCUMENTED)  # the rest load lazily on first use
    assert found["dir"] == DOCUMENTED
    assert found["heavy"] == []
    assert found["seconds"] < 0.3


def test_sfx_stays_callable_after_its_submodules_load():
    import museforge.sfx.recipe  # the import system rebinds museforge.sfx to the package here

    assert isinstance(museforge.sfx, types.ModuleType)
    assert museforge.sfx.recipe.get_recipe("rain").name == "rain"
    assert museforge.sfx("ui", seconds=0.05, sample_rate=8_000).samples.shape[1] == 400


def test_unknown_attributes_raise_attribute_error():
    try:
        museforge.compoze  # noqa: B018
    except AttributeError as exc:
        assert "compoze" in str(exc)
    else:
        raise AssertionError("museforge.compoze should not exist")
