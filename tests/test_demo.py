"""`museforge demo`: the main job on the shipped models writes finished, measured, documented files."""

from __future__ import annotations

import json

import numpy as np
import pyloudnorm
import soundfile as sf
from scipy.signal import resample_poly

from museforge.demo import run_demo


def test_demo_composes_arranges_and_renders_finished_files(tmp_path):
    written = run_demo(tmp_path, log=lambda _: None)
    assert all(p.is_file() for p in written) and len(written) == len(set(written))
    composed = sorted((tmp_path / "composed").glob("*.wav"))
    mixes = [p for p in composed if "_stem-" not in p.name]
    assert len(mixes) == 1 and len(composed) - 1 == 4  # the prompt asks for fiddle, flute, guitar and bass
    side = json.loads(mixes[0].with_name(mixes[0].name + ".json").read_text())
    assert side["ai_generated"] and side["seed"] == 7 and side["style"] == "celtic_folk"
    assert side["provenance"]["training_data"]["sources"]["pop909"]["licences"] == ["MIT (POP909, Music X Lab)"]
    assert side["provenance"]["model_card"].endswith("README.md")
    audio, rate = sf.read(mixes[0], always_2d=True)
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) + 14.0) <= 0.5
    assert 20 * np.log10(np.abs(resample_poly(audio, 4, 1, axis=0)).max()) <= -1.0 + 0.05  # true peak, 4x
    assert side["measured"]["duration_s"] >= 40.0  # the 40 s asked for, plus the release tail
    assert len(list((tmp_path / "composed").glob("*.mid"))) == 1
    assert len(list((tmp_path / "music").glob("*_stem-*.wav"))) >= 4
    assert len(list((tmp_path / "sfx").glob("*.wav"))) == 6
