"""Prompt-to-finished-audio speed: compose + arrange + render/mix/master of a 60 s pop piece (issue 4: <= 4 s).

Stages, each timed in the same process, one after the other (as a user's script runs them):

1. compose: ``museforge.api.compose(MusicControls(style="pop", duration_s=60, tempo_bpm=120,
   instruments=("piano", "bass")))`` with the composer checkpoint ``find_checkpoint`` picks (the shipped weights, else
   $MUSEFORGE_COMPOSER...). Includes loading the model, as a fresh call does.
2. arrange: the composed piece's top pitched track (highest mean pitch) as the melody, chords guessed,
   ``museforge.api.arrange(..., "pop")``: a band arrangement of >= 4 tracks over the same length.
3. render: ``Piece.render(loudness="streaming")``: tinysoundfont stems, channel strips (pedalboard),
   master to -14 LUFS / -1 dBTP (``museforge.render.pipeline.render``).

Headline: total wall seconds against the 4 s target (``peer`` is None: no installed package does
this chain). Side figure, with a real peer in the same run: the render stage against
``pretty_midi.PrettyMIDI(...).fluidsynth()`` on the same MIDI and soundfont (synthesis only, one
mono mix, no mixing or mastering), so ``render_stage_vs_pretty_midi_ratio`` > 1 means our whole
finished-audio stage beats the peer's bare synthesis.

Each stage is also timed in CPU seconds of this process (all threads; ``time.process_time``): on
a shared, loaded machine a niced run gets a few percent of a core and wall time measures the
scheduler. On an idle 2-core machine, CPU >= wall when threads overlap.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.common import result

TARGET_S = 4.0
SEED = 3
TEMPO_BPM = 120.0


def _timed(fn):
    """(value, wall seconds, process CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def top_melody(score):
    """A one-track Score holding the non-drum track with the highest mean pitch (tempo/meter kept)."""
    pitched = [track for track in score.tracks if not track.is_drum and len(track.notes)]
    if not pitched:
        raise ValueError("the composed piece has no pitched track to arrange")
    track = max(pitched, key=lambda t: sum(n.pitch for n in t.notes) / len(t.notes))
    melody = score.copy()
    melody.tracks = [track.copy()]
    return melody


def run(quick: bool = False) -> dict:
    import pretty_midi

    from museforge.api import arrange, compose
    from museforge.controls import MusicControls
    from museforge.render.soundfont import default_soundfont_path

    seconds = 20.0 if quick else 60.0
    # whole 4/4 bars at 120 BPM (2 s each): the composer refuses durations that are not whole bars
    controls = MusicControls(style="pop", duration_s=seconds, tempo_bpm=TEMPO_BPM, instruments=("piano", "bass"))
    load_before = os.getloadavg()[0]
    # warm-up, not timed: imports (torch, pedalboard, pyloudnorm...) and the soundfont's first load
    # cost ~1 s once per process; the figures are for a process that has done one job already
    warm = compose(MusicControls(style="pop", duration_s=4.0, tempo_bpm=TEMPO_BPM), seed=SEED)
    arrange(top_melody(warm.score), "pop", seed=SEED).render(loudness="streaming")

    composed, compose_s, compose_cpu_s = _timed(lambda: compose(controls, seed=SEED))
    melody = top_melody(composed.score)
    arranged, arrange_s, arrange_cpu_s = _timed(lambda: arrange(melody, "pop", seed=SEED))
    sound, render_s, render_cpu_s = _timed(lambda: arranged.render(loudness="streaming"))
    total_s = compose_s + arrange_s + render_s

    sf2 = default_soundfont_path()
    with tempfile.TemporaryDirectory() as folder:
        midi_path = Path(folder) / "arranged.mid"
        arranged.score.dump_midi(str(midi_path))
        _, peer_s, peer_cpu_s = _timed(
            lambda: pretty_midi.PrettyMIDI(str(midi_path)).fluidsynth(fs=44_100, synthesizer=str(sf2)))
    measured = sound.provenance["render"]
    details = {
        "piece": f"composed {len(composed.score.tracks)} tracks {composed.score.note_num()} notes -> "
                 f"arranged {len(arranged.score.tracks)} tracks {arranged.score.note_num()} notes, "
                 f"{sound.duration_s:.1f} s",
        "arranged_tracks": [track.name for track in arranged.score.tracks],
        "composer_checkpoint": composed.provenance["model_versions"]["composer"],
        "compose_s": round(compose_s, 3), "compose_cpu_s": round(compose_cpu_s, 3),
        "arrange_s": round(arrange_s, 3), "arrange_cpu_s": round(arrange_cpu_s, 3),
        "render_mix_master_s": round(render_s, 3), "render_mix_master_cpu_s": round(render_cpu_s, 3),
        "total_s": round(total_s, 3),
        "total_cpu_s": round(compose_cpu_s + arrange_cpu_s + render_cpu_s, 3),
        "target_s": TARGET_S,
        "meets_target": total_s <= TARGET_S,
        "peer_pretty_midi_fluidsynth_s": round(peer_s, 3), "peer_pretty_midi_fluidsynth_cpu_s": round(peer_cpu_s, 3),
        "render_stage_vs_pretty_midi_ratio": round(peer_s / render_s, 3),
        "render_stage_vs_pretty_midi_cpu_ratio": round(peer_cpu_s / render_cpu_s, 3),
        "master_loudness_lufs": measured["integrated_loudness_lufs"],
        "master_true_peak_dbtp": measured["true_peak_dbtp"],
        "load_average_at_start": round(load_before, 2),
        "cpu_count": os.cpu_count(),
        "seed": SEED,
    }
    return result("pipeline_speed", f"seconds: compose + arrange + render/master of a {seconds:.0f} s pop piece "
                  f"(target {TARGET_S:g} s; lower is better)", round(total_s, 3), None, "s", details,
                  higher_is_better=False)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
