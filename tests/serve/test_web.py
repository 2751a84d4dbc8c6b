"""The web studio end to end in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

A real server on a free loopback port (with an API token, typed into the page), then what a person
does: render a sound effect, see its waveform, download it, move a slider and hear a re-render;
arrange an uploaded melody into variations, see players and piano rolls, download WAV and MIDI.
Set MUSEFORGE_STUDIO_SCREENSHOT=path.png to also save a 1280x800 screenshot of the finished page.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")

import soundfile  # noqa: E402
import symusic  # noqa: E402
from serve_helpers import Server  # noqa: E402

TOKEN = "studio-token-42"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# share of a canvas's pixels in the waveform/roll colours (the background is dark grey): drawn, not blank
INK = """sel => { const c = document.querySelector(sel), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) > 90) n++;
  return n / (c.width * c.height); }"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(30_000)
    return page, errors


@pytest.fixture(scope="module")
def studio(tmp_path_factory, browser):
    """A server without composer weights (whatever a training run left in checkpoints/): music is arranged."""
    folder = tmp_path_factory.mktemp("web")
    srv = Server(folder / "data", "--n-workers", "1", "--max-duration-s", "60", token=TOKEN,
                 env={"MUSEFORGE_COMPOSER": str(folder / "no-composer")}).start()
    page, errors = _page(browser)
    yield srv, page, errors
    page.close()
    srv.stop()


@pytest.fixture(scope="module")
def composing_studio(tmp_path_factory, browser):
    """A server whose composer is an untrained debug checkpoint written here (no token)."""
    import torch

    from museforge.music.models.transformer import Composer, ComposerConfig
    from museforge.music.tokenizer import get_tokenizer

    folder = tmp_path_factory.mktemp("web-compose")
    torch.manual_seed(0)
    vocab_size = get_tokenizer().vocab_size
    Composer(ComposerConfig.debug(vocab_size=vocab_size, context_len=256)).save(folder / "composer")
    srv = Server(folder / "data", "--n-workers", "1", "--max-duration-s", "60",
                 env={"MUSEFORGE_COMPOSER": str(folder / "composer"), "OMP_NUM_THREADS": "1"}).start()
    page, errors = _page(browser)
    yield srv, page, errors
    page.close()
    srv.stop()


def _melody(path: Path) -> Path:
    """Four bars of a C-major tune at 120 bpm (8 s), written here so the test needs no shared data."""
    score = symusic.Score(480)
    track = symusic.Track("melody", program=0)
    for i, pitch in enumerate([60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72, 67, 64, 62, 60]):
        track.notes.append(symusic.Note(i * 480, 440, pitch, 90))
    score.tracks.append(track)
    score.tempos.append(symusic.Tempo(0, 120))
    score.dump_midi(str(path))
    return path


def client_params(srv: Server, job_id: str) -> dict:
    with srv.client() as client:
        return client.get(f"/v1/jobs/{job_id}").json()["request"]["params"]


def _download(page, link_selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(link_selector)
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def test_studio_end_to_end(studio, tmp_path):
    srv, page, errors = studio
    page.goto(srv.url + "/")
    # without the token every /v1 call is refused: the page says so and opens the token box
    page.wait_for_function("document.querySelector('#status').textContent.includes('cannot reach the API')")
    assert page.is_visible("#token")
    page.fill("#token", TOKEN)
    page.dispatch_event("#token", "change")
    page.wait_for_selector("body[data-ready='1']")
    assert page.eval_on_selector("#style", "s => s.options.length") > 20  # built from /v1/studio/options
    # no composer weights on this server: the rework buttons are there, disabled, and say why
    for button in ("#continue", "#regen"):
        assert page.is_disabled(button)
        assert "no composer checkpoint" in page.get_attribute(button, "title")

    # --- sound effect: a recipe, a fixed length, render; waveform drawn; download is that exact length
    page.select_option("#recipe", "impact")
    page.fill("#sfx-duration", "0.5")
    page.click("#sfx-render")
    page.wait_for_function("Number(document.querySelector('#sfx-player').dataset.renders) >= 1")
    page.wait_for_timeout(500)  # the recipe change also queued a debounced render: let it settle
    page.wait_for_function("!document.querySelector('#sfx-status').textContent.includes('rendering')")
    assert page.evaluate(INK, "#sfx-player canvas.wave") > 0.01
    assert float(page.get_attribute("#sfx-player canvas.wave", "data-drawn")) == pytest.approx(0.5, abs=0.01)
    wav = _download(page, "#sfx-player .downloads a[download$='.wav']", tmp_path)
    assert wav.name.startswith("IMPCT_") and wav.read_bytes()[:4] == b"RIFF" and wav.read_bytes()[8:12] == b"WAVE"
    info = soundfile.info(str(wav))
    assert (info.samplerate, info.frames) == (48_000, 24_000)

    # --- move a slider: a new job with the slider's value, re-rendered and reloaded into the player
    renders = int(page.get_attribute("#sfx-player", "data-renders"))
    first_job = page.get_attribute("#sfx-player", "data-job")
    slider = page.locator("#params input[type=range]").first
    name, low, high = slider.get_attribute("name"), float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    value = round(low + 0.9 * (high - low), 6)
    slider.fill(str(value))
    page.wait_for_function(f"Number(document.querySelector('#sfx-player').dataset.renders) > {renders}")
    second_job = page.get_attribute("#sfx-player", "data-job")
    assert second_job != first_job
    with srv.client() as client:
        sent = client.get(f"/v1/jobs/{second_job}").json()["request"]["params"][name]
    assert sent == pytest.approx(value, rel=1e-3)
    assert not page.is_disabled("#undo")
    # auto-play: the re-rendered sound started on its own (the slider move was the user gesture)
    page.wait_for_function("document.querySelector('#sfx-player audio').played.length > 0")
    assert page.eval_on_selector("#sfx-player audio", "a => a.duration") == pytest.approx(0.5, abs=0.01)
    page.check("#loop")  # one-shots loop in the player only; no re-render
    assert page.eval_on_selector("#sfx-player audio", "a => a.loop") is True
    # mutate: every slider nudged, one more render with other values
    page.click("#mutate")
    page.wait_for_function(f"Number(document.querySelector('#sfx-player').dataset.renders) > {renders + 1}")
    with srv.client() as client:
        mutated = client.get(f"/v1/jobs/{page.get_attribute('#sfx-player', 'data-job')}").json()["request"]["params"]
    assert mutated != client_params(srv, second_job)

    # --- music: arrange an uploaded melody as two variations side by side, render, draw, download
    page.set_input_files("#melody", str(_melody(tmp_path / "tune.mid")))
    page.fill("#prompt", "gentle folk tune, 120 bpm, C major")
    page.fill("#variations", "2")
    page.click("#generate")
    assert page.is_enabled("#cancel")
    page.wait_for_function("document.querySelectorAll('#cards .card[data-ready]').length === 2", timeout=45_000)
    assert page.inner_text("#status").startswith("done")
    assert page.eval_on_selector("#progress", "p => p.value") == 1
    # the prompt was read into the controls, and the chips say what each phrase set
    assert (page.input_value("#style"), page.input_value("#tempo"), page.input_value("#tonic")) == ("folk", "120", "C")
    assert "120 bpm → tempo_bpm" in page.inner_text("#understood")
    for i in (1, 2):
        card = f"#cards .card:nth-child({i})"
        assert int(page.get_attribute(f"{card} canvas.roll", "data-notes")) > 16  # melody plus accompaniment
        assert page.evaluate(INK, f"{card} canvas.roll") > 0.005
        assert page.evaluate(INK, f"{card} canvas.wave") > 0.01
    card = "#cards .card:nth-child(1)"
    title = page.inner_text(f"{card} h3")
    assert title.startswith("folk_c_120bpm_seed")  # arranged with what the prompt said
    midi = _download(page, f"{card} .downloads a[download$='.mid']", tmp_path)
    assert midi.read_bytes()[:4] == b"MThd"
    assert len(symusic.Score(str(midi)).tracks) >= 3
    wav = _download(page, f"{card} .downloads a[download='{title}.wav']", tmp_path)  # named after its MIDI
    data, sample_rate = soundfile.read(io.BytesIO(wav.read_bytes()))
    drawn_s = float(page.get_attribute(f"{card} canvas.wave", "data-drawn"))
    assert sample_rate == 44_100 and data.shape[1] == 2
    assert len(data) / sample_rate == pytest.approx(drawn_s, abs=0.01) and drawn_s >= 7.5  # 4 bars at 120 bpm
    assert page.locator(f"{card} .downloads a[download*='_stem-']").count() >= 2
    bundle = _download(page, f"{card} .downloads a[download='{title}.zip']", tmp_path)
    with zipfile.ZipFile(bundle) as archive:  # the piece: its MIDI, its mix and its stems
        names = archive.namelist()
        assert midi.name in names and f"{title}.wav" in names and sum(n.endswith(".wav") for n in names) >= 3
        assert archive.read(f"{title}.wav") == wav.read_bytes()

    shot = os.environ.get("MUSEFORGE_STUDIO_SCREENSHOT")
    if shot:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(tmp_path / "studio.png"), full_page=True)
        shutil.copy(tmp_path / "studio.png", shot)

    # cancel: a four-variation run stopped while it renders; the page says so and can generate again
    page.fill("#variations", "4")
    page.click("#generate")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('rendering')")
    page.click("#cancel")
    page.wait_for_function("document.querySelector('#status').textContent === 'cancelled'")
    assert page.is_enabled("#generate") and page.is_disabled("#cancel")
    assert page.locator("#cards .card[data-ready]").count() < 4
    with srv.client() as client:
        assert client.get("/v1/jobs", params={"status": "cancelled"}).json()[0]["kind"] == "render"
    assert errors == []


def test_studio_composes_continues_and_regenerates_bars(composing_studio, tmp_path):
    srv, page, errors = composing_studio
    page.goto(srv.url + "/")
    page.wait_for_selector("body[data-ready='1']")
    assert page.is_disabled("#continue") and page.get_attribute("#continue", "title") == "generate a piece first"
    page.select_option("#style", "folk")
    page.fill("#tempo", "120")
    page.fill("#length", "8")  # four 4/4 bars at 120 bpm
    page.fill("#seed", "5")
    page.fill("#variations", "1")
    page.select_option("#instruments", ["flute", "guitar"])

    def run(button: str, count: int) -> dict:
        before = page.get_attribute("#cards .card", "data-job") if page.locator("#cards .card").count() else ""
        page.click(button)
        page.wait_for_function(f"document.querySelectorAll('#cards .card[data-ready]').length === {count} && "
                               f"document.querySelector('#cards .card').dataset.job !== '{before}' && "
                               "document.querySelector('#status').textContent.startsWith('done')", timeout=120_000)
        with srv.client() as client:
            job = client.get(f"/v1/jobs/{page.get_attribute('#cards .card', 'data-job')}").json()
            assert client.get("/v1/jobs", params={"status": "done"}).json()[0]["kind"] == "compose"  # no render job
        midi = _download(page, "#cards .card .downloads a[download$='.mid']", tmp_path)
        assert int(page.get_attribute("#cards .card canvas.roll", "data-notes")) > 0
        assert page.evaluate(INK, "#cards .card canvas.wave") > 0.01
        return job, symusic.Score(str(midi))

    job, score = run("#generate", 1)
    assert job["kind"] == "compose" and job["request"]["task"] == "new" and job["request"]["n_bars"] is None
    title = page.inner_text("#cards .card h3")
    assert title.startswith("folk_") and title.endswith("_120bpm_seed5")  # the key was left open: seeded
    assert score.end() == 4 * 4 * score.ticks_per_quarter
    assert {t.program for t in score.tracks if len(t.notes)} == {73, 24}  # flute, guitar
    assert page.is_enabled("#continue") and page.is_enabled("#regen")

    job, score = run("#continue", 1)  # the Length control: four new bars after the selected piece
    assert job["request"]["task"] == "continue" and job["request"]["n_bars"] == 4
    assert score.end() == 4 * 4 * score.ticks_per_quarter

    page.once("dialog", lambda dialog: dialog.accept("2-3"))
    job, score = run("#regen", 1)
    assert job["request"]["task"] == "infill" and job["request"]["infill_bars"] == "2-3"
    assert score.end() == 4 * 4 * score.ticks_per_quarter
    assert errors == []
