# Two commands on a fresh machine: `make demo` and `make test`. Both build the venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
TINYSOUNDFONT := tinysoundfont==0.3.7
STAMP := $(VENV)/.installed

.PHONY: demo test venv system-deps bench composer-weights clean

venv: $(STAMP)

# Real clients the tests check our files with (FluidSynth renders our MIDI, MuseScore opens our
# MIDI/MusicXML), the optional FluidSynth backend, and Chromium for the web studio test.
# Installed when we are root (CI, containers);
# elsewhere the tests that need them are skipped and say so.
SYSTEM_PACKAGES := fluidsynth libfluidsynth3 musescore3 chromium
system-deps:
	@if [ "$$(id -u)" = 0 ] && ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; } \
		|| echo "warning: could not install $(SYSTEM_PACKAGES); the tests that need them will be skipped"; \
	fi

$(STAMP): pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU torch first, from the exact pin, so nothing later can resolve a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps $(TINYSOUNDFONT)
	touch $(STAMP)

demo: venv
	$(BIN)/museforge demo

test: venv system-deps
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python -m bench

# Reproduces the shipped composer weights from ../shared/data (hours on 2 cores; resumes if stopped).
CORPUS := $(HOME)/.cache/museforge/corpus
CHECKPOINTS := $(HOME)/.cache/museforge/checkpoints/composer
composer-weights: venv
	$(BIN)/museforge data build --data ../shared/data/midi --out $(CORPUS)
	OMP_NUM_THREADS=1 $(BIN)/torchrun --standalone --nproc_per_node 2 -m museforge.music.train \
		--data $(CORPUS) --out $(CHECKPOINTS) --no-progress
	# then a warm restart from those weights (model card: "Warm restart")
	echo '{"train": {"max_steps": 2700, "lr": 5e-4, "warmup_steps": 50}}' > $(CHECKPOINTS)-warm.json
	OMP_NUM_THREADS=1 $(BIN)/torchrun --standalone --nproc_per_node 2 -m museforge.music.train \
		--data $(CORPUS) --out $(CHECKPOINTS)-warm --init-from $(CHECKPOINTS)/best \
		--config $(CHECKPOINTS)-warm.json --no-progress
	$(BIN)/museforge train ship --checkpoint $(CHECKPOINTS)-warm/best

clean:
	rm -rf $(VENV) build dist src/*.egg-info
