"""Rendering speed: ours (tinysoundfont, sample-accurate stems) vs ``pretty_midi.PrettyMIDI.fluidsynth``.

Both sides render the same MIDI file with the same soundfont (TimGM6mb from the pretty_midi
wheel) at 44.1 kHz, starting from the file on disk (parsing included), best of N runs, in the
same process. The piece is a ~60 s "rock" arrangement from ``museforge.music.arrange`` (lead,
guitars, bass, kit). The peer returns one mono mix; ours returns per-track stereo stems and their
sum, so ours does at least the same synthesis work.

``details`` also times the finished-audio path on the same piece: render + mix (channel strips)
+ master to -14 LUFS / -1 dBTP (``museforge.render.pipeline.render``), and arrange + render +
master, with the measured loudness and true peak of the result.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from bench.common import best_time_s, result


def _piece(style: str = "rock", target_s: float = 60.0):
    """A melody arranged to about ``target_s`` seconds; returns (arrangement, melody material)."""
    from symusic import Note, Score, Tempo, TimeSignature, Track

    from museforge.music.arrange import Material, arrange

    rng = random.Random(7)
    melody = Score(480)
    melody.tempos.append(Tempo(0, qpm=120))
    melody.time_signatures.append(TimeSignature(0, 4, 4))
    track = Track(name="melody", program=0)
    for index in range(32):  # 8 bars of quarter notes in C major
        track.notes.append(Note(index * 480, 440, 60 + rng.choice([0, 2, 4, 5, 7, 9, 11, 12]), 90))
    melody.tracks.append(track)
    material = Material(melody, chords=["C", "Am", "F", "G", "C", "Am", "F", "G"])
    bar_s = 2.0  # 4/4 at 120 BPM
    repeats = max(1, round((target_s / bar_s - 4) / 8))
    def make():
        return arrange(material, style, seed=1, repeats=repeats, intro_bars=2, outro_bars=2)
    return make(), make


def run(quick: bool = False) -> dict:
    import pretty_midi
    from symusic import Score

    from museforge.render.pipeline import render
    from museforge.render.soundfont import default_soundfont_path, render_score

    repeats = 1 if quick else 3
    arrangement, make = _piece(target_s=20.0 if quick else 60.0)
    sf2 = default_soundfont_path()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        midi_path = Path(folder) / "piece.mid"
        arrangement.score.dump_midi(str(midi_path))

        def ours():
            return render_score(Score(str(midi_path)), soundfont=sf2, sample_rate=44_100)

        def ours_fluidsynth():
            return render_score(Score(str(midi_path)), soundfont=sf2, backend="fluidsynth", sample_rate=44_100)

        def peer():
            return pretty_midi.PrettyMIDI(str(midi_path)).fluidsynth(fs=44_100, synthesizer=str(sf2))

        audio_s = ours().duration_s
        peer_audio_s = len(peer()) / 44_100
        ours_s = best_time_s(ours, repeats)
        peer_s = best_time_s(peer, repeats)
        try:
            ours_fs_s = best_time_s(ours_fluidsynth, repeats)
        except Exception as exc:  # pyfluidsynth is optional
            ours_fs_s = f"unavailable: {exc}"

    rendered = [None]

    def finish():
        rendered[0] = render(arrangement.score, roles=arrangement.mix_roles, loudness="streaming")

    cpu_before = time.process_time()
    master_s = best_time_s(finish, max(1, repeats - 1))
    master_cpu_s = (time.process_time() - cpu_before) / max(1, repeats - 1)

    def whole():
        arranged = make()
        return render(arranged.score, roles=arranged.mix_roles, loudness="streaming")

    start = time.perf_counter()
    whole()
    pipeline_s = time.perf_counter() - start
    figures = rendered[0].measurements()
    details = {
        "piece": f"{arrangement.style} arrangement, {len(arrangement.score.tracks)} tracks, "
                 f"{arrangement.score.note_num()} notes, {audio_s:.1f} s (peer output {peer_audio_s:.1f} s)",
        "soundfont": sf2.name,
        "sample_rate": 44_100,
        "repeats_best_of": repeats,
        "ours_tinysoundfont_s": round(ours_s, 3),
        "ours_fluidsynth_backend_s": ours_fs_s if isinstance(ours_fs_s, str) else round(ours_fs_s, 3),
        "peer_pretty_midi_fluidsynth_s": round(peer_s, 3),
        "ours_realtime_factor": round(audio_s / ours_s, 1),
        "render_mix_master_60s_s": round(master_s, 3),
        "render_mix_master_60s_cpu_s": round(master_cpu_s, 3),  # all threads; steadier on a busy machine
        "arrange_render_mix_master_s": round(pipeline_s, 3),
        "master_loudness_lufs": figures["integrated_loudness_lufs"],
        "master_true_peak_dbtp": figures["true_peak_dbtp"],
        "load_average_at_start": round(load_before, 2),
        "cpu_count": os.cpu_count(),
        "note": "compose time is measured by bench/composer_speed.py; ours outputs stereo stems, the peer mono",
    }
    return result("render_speed", "seconds to synthesize the same MIDI + soundfont (lower is better)",
                  round(ours_s, 4), round(peer_s, 4), "s", details, higher_is_better=False)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
