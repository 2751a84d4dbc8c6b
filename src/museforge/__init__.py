"""museforge: AI-generated music and sound effects that run well on an ordinary CPU.

The public API (everything else is library internals)::

    import museforge

    rain = museforge.sfx("rain", intensity=0.8, seconds=30, loop=True, seed=7)   # -> Sound
    rain.save("out/")                                  # WAV with loop points + JSON sidecar
    piece = museforge.arrange("tune.mid", "folk", seed=1)                        # -> Piece
    piece.render(); piece.save("out/")                 # MIDI + audio + sidecars
    piece = museforge.compose("calm celtic tune for a village, 60 s", seed=7)    # needs a checkpoint

Every returned object carries ``.provenance``. Heavy libraries load on first use, so importing
museforge stays fast.
"""

import types as _types

import museforge.sfx as _sfx_package  # an empty package: costs nothing
from museforge.errors import MuseforgeError

__version__ = "0.1.0"

__all__ = ["MuseforgeError", "Piece", "Sound", "__version__", "arrange", "compose", "sfx"]

_FROM_API = ("Piece", "Sound", "arrange", "compose")


class _CallableSfx(_types.ModuleType):
    """``museforge.sfx`` is both the sound-effects package and the :func:`museforge.api.sfx` call.

    The import system rebinds ``museforge.sfx`` to the package whenever a submodule of it loads, so
    a plain function here would be replaced; making the package callable keeps both working.
    """

    def __call__(self, recipe_or_prompt, **kwargs):
        """A sound effect from a recipe name or a prompt -> Sound (arguments: :func:`museforge.api.sfx`)."""
        from museforge.api import sfx

        return sfx(recipe_or_prompt, **kwargs)


_sfx_package.__class__ = _CallableSfx
sfx = _sfx_package


def __getattr__(name: str):
    if name in _FROM_API:
        import museforge.api

        return getattr(museforge.api, name)
    raise AttributeError(f"module 'museforge' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public surface plus dunders (submodules such as ``errors`` stay reachable, unlisted)."""
    return sorted({name for name in globals() if name.startswith("__")} | set(__all__))
