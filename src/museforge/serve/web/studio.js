// museforge studio: a thin page over the HTTP API (/v1). No framework, no build step, nothing from the internet.
// Modules: api.js (requests, job events, shared state), draw.js (players, waveform, piano roll, downloads),
// sfx.js (the sound-effect panel); this one is the music panel and start-up.
"use strict";

import { $, api, blobOf, runJob, state } from "./api.js";
import { downloadLink, drawRoll, fillDownloads, loadPlayer } from "./draw.js";
import { buildSfxControls, mutate, onParamChange, recipeOf, renderSfx, undo } from "./sfx.js";

// The compose kind's schema when this server can run it (GET /v1/kinds marks it x-unavailable otherwise).
function composeKind() {
  const kind = state.kinds.compose;
  return kind && !kind["x-unavailable"] ? kind : null;
}

function noCompose() {
  const kind = state.kinds.compose;
  return kind ? `compose is unavailable on this server: ${kind["x-unavailable"]}`
    : "needs the 'compose' job kind, which this server does not offer";
}

// --- music ---------------------------------------------------------------------------------------------------

function setStatus(text, fraction) {
  $("#status").textContent = text;
  if (fraction !== undefined) $("#progress").value = fraction;
}

function musicControls() {
  const picked = [...$("#instruments").selectedOptions].map((o) => o.value);
  const num = (id) => ($(id).value === "" ? null : Number($(id).value));
  return { style: $("#style").value || null, mood: $("#mood").value || null, tonic: $("#tonic").value || null,
           mode: $("#mode").value || null, tempo_bpm: num("#tempo"), duration_s: num("#length"),
           instruments: picked, seed: num("#seed"), variations: num("#variations") || 1 };
}

function onlyKnown(kind, request) {  // send only the fields this server's job kind accepts
  const props = (state.kinds[kind] || {}).properties || {};
  return Object.fromEntries(Object.entries(request).filter(([k, v]) => k in props && v !== null && v !== undefined
                                                                      && !(Array.isArray(v) && !v.length)));
}

async function readPrompt() {
  const text = $("#prompt").value.trim();
  if (!text) return null;
  const seen = await api("/v1/studio/prompt", { method: "POST", json: { text } });
  const c = seen.controls, box = $("#understood");
  box.replaceChildren(...seen.understood.map((u) => Object.assign(document.createElement("span"),
    { className: "chip", textContent: `${u.span} → ${u.field}` })),
    ...seen.ignored.map((w) => Object.assign(document.createElement("span"), { className: "chip ignored",
                                                                                textContent: `ignored: ${w}` })));
  if (seen.kind === "music") {
    for (const [id, key] of [["#style", "style"], ["#mood", "mood"], ["#tonic", "tonic"], ["#mode", "mode"],
                             ["#tempo", "tempo_bpm"], ["#length", "duration_s"], ["#seed", "seed"]]) {
      if (c[key] !== null && c[key] !== undefined) $(id).value = c[key];
    }
    if (c.instruments.length) for (const o of $("#instruments").options) o.selected = c.instruments.includes(o.value);
  } else if (c.recipe) {
    $("#recipe").value = c.recipe; buildSfxControls(c.preset, c.params);
    if (c.duration_s) $("#sfx-duration").value = c.duration_s;
  }
  return seen;
}

async function generate() {
  const prompt = $("#prompt").value.trim();
  state.running = [];
  $("#generate").disabled = true; $("#cancel").disabled = false;
  try {
    const seen = prompt ? await readPrompt() : null;
    const controls = musicControls();  // after the prompt filled them in
    if (seen && seen.kind === "sfx") return await generateSfxFromPrompt(prompt, controls);
    if ($("#melody").files[0] || !composeKind()) return await arrangeMelody(controls);
    const job = await runJob(onlyKnown("compose", { kind: "compose", task: "new", prompt: prompt || null, ...controls,
                                                    stems: true }),
                             progress("composing", 0, 0.9), state.running);
    await renderPieces(job, controls);
  } catch (err) {
    setStatus(err.message, 0);
  } finally {
    $("#generate").disabled = false; $("#cancel").disabled = true;
  }
}

function progress(label, from, to) {
  return (job) => setStatus(`${label}: ${job.message || job.status}`, from + (to - from) * job.progress);
}

async function arrangeMelody(controls) {
  const file = $("#melody").files[0];
  if (!file) throw new Error(`choose a melody MIDI file to arrange (composing ${noCompose()})`);
  setStatus("uploading the melody", 0.02);
  const upload = await api("/v1/uploads?kind=midi", { method: "POST", body: file, contentType: "audio/midi" });
  const repeats = controls.duration_s ? Math.max(1, Math.round(controls.duration_s / upload.info.duration_s)) : 1;
  const key = controls.tonic ? controls.tonic + (controls.mode === "minor" ? "m" : "") : null;
  const job = await runJob(onlyKnown("arrange", { kind: "arrange", melody_upload: upload.id,
    style: controls.style || "pop", tempo_bpm: controls.tempo_bpm, key, repeats, seed: controls.seed,
    variations: controls.variations, title: file.name.replace(/\.midi?$/i, "") }),
    progress("arranging", 0.05, 0.3), state.running);
  await renderPieces(job, controls);
}

async function renderPieces(job, controls) {
  const midis = job.files.filter((f) => /\.midi?$/i.test(f.name));
  $("#cards").replaceChildren();
  $("#results-hint").hidden = true;
  for (const [i, midi] of midis.entries()) {
    const card = addCard(job, midi);
    const from = 0.3 + (0.7 * i) / midis.length, to = 0.3 + (0.7 * (i + 1)) / midis.length;
    const rendered = job.files.some((f) => f.name === midi.name.replace(/\.midi?$/i, ".wav"));
    const [notes, upload] = await Promise.all([
      api(`/v1/jobs/${job.id}/notes/${encodeURIComponent(midi.name)}`),
      rendered ? null : blobOf(midi.url).then((b) => api("/v1/uploads?kind=midi", { method: "POST", body: b,
                                                                                    contentType: "audio/midi" })),
    ]);
    drawRoll($("canvas.roll", card), notes);
    const title = midi.name.replace(/\.midi?$/i, "");
    const own = job.files.filter((f) => f.name.startsWith(title));
    let wav = own.find((f) => f.name === `${title}.wav`), files = own;  // a compose job renders its own audio
    if (!wav) {
      const rendered = await runJob({ kind: "render", score_upload: upload.id, stems: true, title,
                                      seed: job.request.seed + i },
                                    progress(`rendering ${i + 1} of ${midis.length}`, from, to), state.running);
      wav = rendered.files.find((f) => f.name.endsWith(".wav") && !f.name.includes("_stem-"));
      files = [...own, ...rendered.files];
    }
    const rename = (name) => name.replace(/^render_seed\d+/, title);  // the audio is named after its MIDI
    fillDownloads($(".downloads", card), files, rename);
    const query = files.map((f) => `file=${encodeURIComponent(f.url.split("/")[3] + "/" + f.name)}`
                                   + `&as=${encodeURIComponent(rename(f.name))}`).join("&");
    $(".downloads", card).insertBefore(downloadLink({ url: `/v1/studio/zip?${query}&name=${encodeURIComponent(title)}` },
                                                    `${title}.zip`), $(".downloads details", card));
    await loadPlayer(card, wav, false);
    card.dataset.ready = "1";
  }
  setStatus(`done: ${midis.length} variation(s)`, 1);
  updateComposeButtons();
}

function addCard(job, midi) {
  const card = $("#card-tpl").content.firstElementChild.cloneNode(true);
  $("h3", card).textContent = midi.name.replace(/\.(midi?|wav|flac|ogg)$/i, "");
  $("audio", card).setAttribute("aria-label", `Player for ${midi.name}`);
  card.tabIndex = 0;
  card.dataset.job = job.id; card.dataset.midi = midi.name;
  const bars = job.kind === "compose" && (job.request.n_bars || (job.info.upload || {}).n_bars);
  if (bars) card.dataset.bars = String(bars);
  card.addEventListener("click", () => selectCard(card));
  card.addEventListener("keydown", (e) => { if (e.target === card && (e.key === "Enter" || e.key === " ")) selectCard(card); });
  card.setAttribute("aria-label", `Variation ${midi.name}; Enter selects it for continue / regenerate`);
  $("#cards").append(card);
  if (!state.selected || !state.selected.isConnected) selectCard(card);
  return card;
}

function selectCard(card) {
  document.querySelectorAll(".card.selected").forEach((c) => c.classList.remove("selected"));
  card.classList.add("selected"); state.selected = card;
}

async function cancelAll() {
  for (const id of state.running) api(`/v1/jobs/${id}/cancel`, { method: "POST" }).catch(() => {});
  setStatus("cancelling…");
}

function updateComposeButtons() {
  const kind = composeKind(), props = (kind || {}).properties || {};
  for (const [id, field] of [["#continue", "primer_upload"], ["#regen", "infill_bars"]]) {
    const ok = field in props && state.selected;
    $(id).disabled = !ok;
    $(id).title = ok ? "" : !kind ? noCompose()
      : field in props ? "generate a piece first" : `the compose job has no '${field}' field`;
  }
}

// Continue / regenerate bars of the selected piece through a compose job. Continue writes as many new bars as
// the Length control says (8 when it is empty); regenerating keeps the piece's length.
async function rework(field) {
  const card = state.selected, job = card.dataset.job, bars = Number(card.dataset.bars || 8);
  let extra = { task: "continue" };
  if (field === "infill_bars") {
    const asked = window.prompt("Bars to regenerate (e.g. 5-8)", `${Math.floor(bars / 2) + 1}-${bars}`);
    if (!asked) return;
    extra = { task: "infill", infill_bars: asked.trim() };
  }
  const blob = await blobOf(`/v1/jobs/${job}/files/${encodeURIComponent(card.dataset.midi)}`);
  const upload = await api("/v1/uploads?kind=midi", { method: "POST", body: blob, contentType: "audio/midi" });
  extra[extra.task === "continue" ? "primer_upload" : "score_upload"] = upload.id;
  const controls = musicControls();
  if (extra.task === "infill") controls.duration_s = null;
  const done = await runJob(onlyKnown("compose", { kind: "compose", ...controls, ...extra, stems: true }),
                            progress(extra.task === "continue" ? "continuing" : "regenerating", 0, 0.9),
                            (state.running = []));
  await renderPieces(done, controls);
}

async function reworkSafely(field) {  // one run at a time: the buttons wait for it like Generate does
  for (const id of ["#generate", "#continue", "#regen"]) $(id).disabled = true;
  $("#cancel").disabled = false;
  try {
    await rework(field);
  } catch (err) {
    setStatus(err.message, 0);
  } finally {
    $("#generate").disabled = false; $("#cancel").disabled = true;
    updateComposeButtons();
  }
}

// A sound-effect prompt typed into the music box: its variations as cards (the panel itself is in sfx.js).
async function generateSfxFromPrompt(prompt, controls) {
  const job = await runJob({ kind: "sfx", prompt, seed: controls.seed, variations: controls.variations },
                           progress("rendering", 0, 1), state.running);
  $("#cards").replaceChildren(); $("#results-hint").hidden = true;
  for (const file of job.files.filter((f) => /\.(wav|flac|ogg)$/.test(f.name))) {
    const card = addCard(job, file);
    $("canvas.roll", card).remove();
    fillDownloads($(".downloads", card), job.files.filter((f) => f.name.startsWith(file.name)));
    await loadPlayer(card, file, false);
    card.dataset.ready = "1";
  }
  setStatus(`done: ${job.files.length} file(s)`, 1);
}

// --- start ---------------------------------------------------------------------------------------------------

function fillSelect(id, values) { $(id).append(...values.map((v) => new Option(v, v))); }

async function start() {
  $("#token").value = localStorage.getItem("museforge-token") || "";
  $("#token").addEventListener("change", () => {
    if ($("#token").value === localStorage.getItem("museforge-token") && document.body.dataset.ready) return;
    localStorage.setItem("museforge-token", $("#token").value);
    init();
  });
  await init();
}

async function init() {
  try {
    [state.kinds, state.options] = await Promise.all([api("/v1/kinds"), api("/v1/studio/options")]);
  } catch (err) {
    setStatus(`cannot reach the API: ${err.message}`);
    $("#token-box").open = true;
    return;
  }
  const m = state.options.music;
  for (const id of ["#style", "#mood", "#tonic", "#mode"]) $(id).replaceChildren(new Option("any", ""));
  fillSelect("#style", m.styles); fillSelect("#mood", m.moods); fillSelect("#tonic", m.tonics);
  fillSelect("#mode", m.modes);
  $("#instruments").replaceChildren(...m.instruments.map((v) => new Option(v, v)));
  const recipe = $("#recipe").value;  // a re-init (new token) keeps the user's choice
  $("#recipe").replaceChildren(...state.options.sfx.recipes.map((r) => new Option(r.name, r.name)));
  if (recipeOf(recipe)) $("#recipe").value = recipe;
  buildSfxControls();
  updateComposeButtons();
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  $("#read-prompt").addEventListener("click", () => readPrompt().catch((e) => setStatus(e.message)));
  $("#generate").addEventListener("click", generate);
  $("#cancel").addEventListener("click", cancelAll);
  $("#continue").addEventListener("click", () => reworkSafely("primer_upload"));
  $("#regen").addEventListener("click", () => reworkSafely("infill_bars"));
  $("#recipe").addEventListener("change", () => { $("#sfx-duration").value = ""; buildSfxControls(); onParamChange(); });
  $("#preset").addEventListener("change", () => { buildSfxControls($("#preset").value); onParamChange(); });
  $("#sfx-render").addEventListener("click", () => renderSfx(true));
  $("#mutate").addEventListener("click", mutate);
  $("#undo").addEventListener("click", undo);
  $("#loop").addEventListener("change", () => {
    $("#sfx-player audio").loop = $("#loop").checked;
    if (recipeOf($("#recipe").value).loopable) onParamChange();  // a seamless loop is a different render
  });
  start();
});
