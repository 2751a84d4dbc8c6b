"""Score -> finished audio: soundfont stems, channel strips, loudness master, loops, intensity layers.

>>> from museforge.render import render, render_loop, render_layers
>>> finished = render(score, loudness="streaming")          # mastered Audio + pre-master stems
>>> loop = render_loop(score, n_bars=8, loudness="console")  # seamless, with LoopPoints
>>> layers = render_layers(score, n_bars=8)                  # base / rhythm / lead / full + manifest

Modules: ``soundfont`` (the only one touching a synth), ``mix`` (strips, stems, mastering),
``limiter``, ``pipeline``, ``loop``, ``layers``, ``notation`` (Score -> music21 for MusicXML).
Heavy libraries (pedalboard, pyloudnorm, tinysoundfont, music21) load on first use.
"""

from __future__ import annotations

from museforge.render.layers import LayerSet, render_layers
from museforge.render.loop import bars_for_duration, render_loop
from museforge.render.mix import LOUDNESS_PRESETS, ChannelStrip
from museforge.render.pipeline import Rendered, render
from museforge.render.soundfont import BACKENDS, Stem, render_score, render_stems

__all__ = ["BACKENDS", "ChannelStrip", "LOUDNESS_PRESETS", "LayerSet", "Rendered", "Stem", "bars_for_duration",
           "render", "render_layers", "render_loop", "render_score", "render_stems"]
