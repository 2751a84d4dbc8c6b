#!/usr/bin/env bash
# Renders one example per procedural sound family into examples/sfx/ (OGG Vorbis, 44.1 kHz).
# Run from the repository root: bash examples/make_sfx_examples.sh
# Files are never overwritten by default: --on-exists overwrite is passed on purpose here because
# this script regenerates the checked-in examples.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=examples/sfx
MUSEFORGE=${MUSEFORGE:-.venv/bin/museforge}
sfx() { "$MUSEFORGE" sfx "$@" --sample-rate 44100 --format ogg --out "$OUT" --on-exists overwrite; }
mix() { "$MUSEFORGE" sfx mix "$@" --sample-rate 44100 --format ogg --out "$OUT" --on-exists overwrite; }

# Environment (seamless loops; loop points in LOOPSTART/LOOPLENGTH tags)
sfx render rain --preset "heavy roof" --seconds 6 --loop --seed 7
sfx render rain --preset "window" --seconds 6 --loop --seed 1
sfx render wind --preset gusty --seconds 8 --loop --seed 2
sfx render fire --preset campfire --seconds 6 --loop --seed 3
sfx render water --preset "babbling brook" --seconds 6 --loop --seed 4
sfx render water --preset "cave drips" --seconds 6 --loop --seed 4
sfx render surf --preset beach --seconds 16 --loop --seed 5
sfx render city_street --preset "busy avenue" --seconds 8 --loop --seed 6
sfx render forest --preset "dawn chorus" --seconds 8 --loop --seed 8
sfx render night --preset "summer night" --seconds 6 --loop --seed 9
sfx render room_tone --preset office --seconds 5 --loop --seed 10 --normalize peak --level-db -20
# Real-time streamer with automation: rain getting heavier over 8 s
sfx render rain --automate "intensity=0:0.05,8:1" --seconds 8 --seed 11
# One-shots (peak-normalised to -1 dBFS; tails decay to silence and are trimmed)
sfx render thunder --preset "close strike" --seed 12
sfx render thunder --preset "distant rumble" --seed 12
sfx render splash --preset stone --seed 13
sfx render footsteps --preset "boots on gravel" --seed 14
sfx render footsteps --preset "heels on concrete" --seed 14
sfx render impact --preset "wood knock" --seed 15
sfx render impact --preset "metal clang" --seed 15
sfx render impact --preset "glass tink" --seed 15
sfx render ui --preset click --seed 16
sfx render ui --preset confirm --seed 16
sfx render ui --preset error --seed 16
sfx render ui --preset notification --seed 16
sfx render ui --preset typing --seed 16
sfx render whoosh --preset "sword swing" --variations 3 --spread 0.15 --seed 17
sfx render explosion --preset "car bomb" --seed 18
sfx render magic --preset healing --seed 19
sfx render magic --preset "fireball cast" --seed 19
sfx render door --preset "wooden door open" --seed 20
sfx render door --preset slam --seed 20
sfx render weapon --preset rifle --seed 23
# Layering: a thunderstorm from rain + wind + a thunder clap 1.5 s in
mix "rain,preset=heavy roof,seconds=8" "wind,preset=gusty,seconds=8,gain_db=-4" \
    "thunder,preset=storm,offset_s=1.5" --name storm --seed 21 --seconds 8
