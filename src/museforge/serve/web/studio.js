// museforge studio: a thin page over the HTTP API (/v1). No framework, no build step, nothing from the internet.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const state = { kinds: {}, options: null, running: [], selected: null, sfxJob: null, history: [], blobs: new Map() };
const NO_COMPOSE = "needs the 'compose' job kind, which this server does not offer yet";

// --- API -------------------------------------------------------------------------------------------------------

function headers(extra = {}) {
  const token = $("#token").value.trim();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

async function api(path, { method = "GET", json, body, contentType } = {}) {
  const init = { method, headers: headers(json ? { "Content-Type": "application/json" } : {}) };
  if (json) init.body = JSON.stringify(json);
  if (body) { init.body = body; init.headers["Content-Type"] = contentType || "application/octet-stream"; }
  const res = await fetch(path, init);
  const data = (res.headers.get("content-type") || "").includes("json") ? await res.json() : null;
  if (!res.ok) throw new Error((data && data.detail) || `${res.status} ${res.statusText}`);
  return data;
}

async function blobOf(url) {  // job files are fetched once (the token travels in a header, not the URL)
  if (!state.blobs.has(url)) {
    state.blobs.set(url, fetch(url, { headers: headers() }).then((r) => {
      if (!r.ok) throw new Error(`download failed: ${r.status}`);
      return r.blob();
    }));
  }
  return state.blobs.get(url);
}

// Server-sent events read through fetch (EventSource cannot send the token); resolves with the finished job.
async function watch(jobId, onUpdate) {
  const res = await fetch(`/v1/jobs/${jobId}/events`, { headers: headers() });
  if (!res.ok) throw new Error(`cannot follow job ${jobId}: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).join("\n");
      if (data && data.trim() !== "{}") { last = JSON.parse(data); onUpdate(last); }
    }
  }
  if (!last || !["done", "failed", "cancelled"].includes(last.status)) last = await api(`/v1/jobs/${jobId}`);
  return last;
}

async function runJob(request, onUpdate, track) {
  const job = await api("/v1/jobs", { method: "POST", json: request });
  if (track) track.push(job.id);
  onUpdate(job);
  const end = await watch(job.id, onUpdate);
  if (end.status !== "done") throw new Error(end.status === "cancelled" ? "cancelled" : `failed: ${end.error}`);
  return end;
}

// --- drawing -------------------------------------------------------------------------------------------------

async function drawWaveform(canvas, blob) {
  const ctx2d = canvas.getContext("2d");
  const audioCtx = new (window.OfflineAudioContext || window.webkitOfflineAudioContext)(1, 1, 44100);
  const buffer = await audioCtx.decodeAudioData(await blob.arrayBuffer());
  const { width, height } = canvas, mid = height / 2;
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  const step = Math.max(1, Math.floor(buffer.length / width));
  ctx2d.fillStyle = "#141922"; ctx2d.fillRect(0, 0, width, height);
  ctx2d.fillStyle = "#5fd3a4";
  for (let x = 0; x < width; x++) {
    let lo = 0, hi = 0;
    for (const data of channels) {
      for (let i = x * step, end = Math.min(buffer.length, i + step); i < end; i++) {
        if (data[i] < lo) lo = data[i]; else if (data[i] > hi) hi = data[i];
      }
    }
    ctx2d.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
  }
  canvas.dataset.drawn = String(buffer.duration.toFixed(3));
  return buffer.duration;
}

// A playhead over the waveform and piano roll of one player; clicking a canvas seeks there.
function followPlayhead(root) {
  const audio = $("audio", root), canvases = [...root.querySelectorAll("canvas")];
  const images = canvases.map((c) => c.getContext("2d").getImageData(0, 0, c.width, c.height));
  const draw = () => {
    canvases.forEach((c, i) => {
      const ctx2d = c.getContext("2d");
      ctx2d.putImageData(images[i], 0, 0);
      if (!audio.duration) return;
      ctx2d.fillStyle = "#ffffff";
      ctx2d.fillRect(Math.round((audio.currentTime / audio.duration) * c.width), 0, 2, c.height);
    });
    if (!audio.paused && audio.isConnected) requestAnimationFrame(draw);
  };
  audio.onplay = audio.onseeked = audio.onpause = draw;
  canvases.forEach((c) => {
    c.onclick = (event) => {
      if (audio.duration) audio.currentTime = (event.offsetX / c.clientWidth) * audio.duration;
    };
  });
}

const TRACK_COLOURS = ["#f4a259", "#5fd3a4", "#6c9eff", "#e26d9a", "#c9b6ff", "#ffd166", "#4ecdc4", "#ff8c61"];

function drawRoll(canvas, notes) {  // pitched tracks by pitch; drums in a strip along the bottom
  const ctx2d = canvas.getContext("2d"), { width, height } = canvas, drumH = 14;
  ctx2d.fillStyle = "#141922"; ctx2d.fillRect(0, 0, width, height);
  const pitched = notes.tracks.filter((t) => !t.is_drum).flatMap((t) => t.notes);
  const hasDrums = notes.tracks.some((t) => t.is_drum && t.notes.length);
  const top = hasDrums ? height - drumH - 2 : height;
  const lo = Math.min(...pitched.map((n) => n[2])) - 1, hi = Math.max(...pitched.map((n) => n[2])) + 1;
  const rowH = top / (hi - lo + 1), xScale = width / Math.max(notes.duration_s, 0.001);
  notes.tracks.forEach((track, i) => {
    ctx2d.fillStyle = track.is_drum ? "#7d8594" : TRACK_COLOURS[i % TRACK_COLOURS.length];
    for (const [start, dur, pitch] of track.notes) {
      const x = start * xScale, w = Math.max(1, dur * xScale - 0.5);
      if (track.is_drum) ctx2d.fillRect(x, height - drumH + ((pitch * 5) % (drumH - 2)), Math.max(2, w), 2);
      else ctx2d.fillRect(x, top - (pitch - lo + 1) * rowH, w, Math.max(1, rowH - 0.5));
    }
  });
  canvas.title = notes.tracks.map((t) => `${t.name || "track"} (${t.notes.length} notes)`).join(", ");
  canvas.dataset.notes = String(notes.tracks.reduce((sum, t) => sum + t.notes.length, 0));
}

function downloadLink(file, name) {
  const a = document.createElement("a");
  a.textContent = name; a.download = name; a.href = "#";
  a.addEventListener("click", async (event) => {
    if (a.dataset.ready) return;
    event.preventDefault();
    a.href = URL.createObjectURL(await blobOf(file.url));
    a.dataset.ready = "1";
    a.click();
  });
  return a;
}

function fillDownloads(box, files, rename = (name) => name) {  // mix, MIDI, zip first; stems and sidecars folded
  box.replaceChildren();
  const stems = files.filter((f) => f.name.includes("_stem-") && !f.name.endsWith(".json"));
  const sidecars = files.filter((f) => f.name.endsWith(".json"));
  const main = files.filter((f) => !stems.includes(f) && !sidecars.includes(f));
  main.sort((a, b) => Number(/\.midi?$/.test(a.name)) - Number(/\.midi?$/.test(b.name)));
  box.append(...main.map((f) => downloadLink(f, rename(f.name))));
  for (const [label, group] of [[`stems (${stems.length})`, stems], ["sidecars", sidecars]]) {
    if (!group.length) continue;
    const fold = document.createElement("details");
    fold.append(Object.assign(document.createElement("summary"), { textContent: label }),
                ...group.map((f) => downloadLink(f, rename(f.name))));
    box.append(fold);
  }
}

async function loadPlayer(root, file, autoplay) {
  const blob = await blobOf(file.url), audio = $("audio", root), old = audio.src;
  audio.src = URL.createObjectURL(blob);
  audio.dataset.file = file.name;
  if (old.startsWith("blob:")) URL.revokeObjectURL(old);
  await drawWaveform($("canvas.wave", root), blob);
  followPlayhead(root);
  if (autoplay) audio.play().catch(() => {});  // browsers may refuse before a user gesture; the player stays
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
    if (state.kinds.compose) {
      const job = await runJob(onlyKnown("compose", { kind: "compose", prompt: prompt || null, ...controls }),
                               progress("composing", 0, 0.4), state.running);
      return await renderPieces(job, controls);
    }
    await arrangeMelody(controls);
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
  if (!file) throw new Error("choose a melody MIDI file to arrange (composing from a prompt needs the compose job)");
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
    const [notes, upload] = await Promise.all([
      api(`/v1/jobs/${job.id}/notes/${encodeURIComponent(midi.name)}`),
      blobOf(midi.url).then((b) => api("/v1/uploads?kind=midi", { method: "POST", body: b, contentType: "audio/midi" })),
    ]);
    drawRoll($("canvas.roll", card), notes);
    const title = midi.name.replace(/\.midi?$/i, "");
    const rendered = await runJob({ kind: "render", score_upload: upload.id, stems: true, title,
                                    seed: job.request.seed + i },
                                  progress(`rendering ${i + 1} of ${midis.length}`, from, to), state.running);
    const wav = rendered.files.find((f) => f.name.endsWith(".wav") && !f.name.includes("_stem-"));
    const files = [...job.files.filter((f) => f.name.startsWith(title)), ...rendered.files];
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
  const props = (state.kinds.compose || {}).properties || {};
  for (const [id, field] of [["#continue", "primer_upload"], ["#regen", "infill_bars"]]) {
    const ok = field in props && state.selected;
    $(id).disabled = !ok;
    $(id).title = ok ? "" : (state.kinds.compose ? `the compose job has no '${field}' field` : NO_COMPOSE);
  }
}

async function rework(field) {  // continue / regenerate bars of the selected piece through a compose job
  const card = state.selected, job = card.dataset.job;
  const blob = await blobOf(`/v1/jobs/${job}/files/${encodeURIComponent(card.dataset.midi)}`);
  const upload = await api("/v1/uploads?kind=midi", { method: "POST", body: blob, contentType: "audio/midi" });
  const extra = field === "primer_upload" ? { primer_upload: upload.id }
    : { score_upload: upload.id, infill_bars: window.prompt("Bars to regenerate (e.g. 5-8)", "5-8") };
  const controls = musicControls();
  const done = await runJob(onlyKnown("compose", { kind: "compose", ...controls, ...extra }),
                            progress("composing", 0, 0.3), (state.running = []));
  await renderPieces(done, controls);
}

// --- sound effects -------------------------------------------------------------------------------------------

const recipeOf = (name) => state.options.sfx.recipes.find((r) => r.name === name);

function buildSfxControls(preset = null, values = {}) {
  const recipe = recipeOf($("#recipe").value);
  $("#preset").replaceChildren(new Option("(defaults)", ""), ...Object.keys(recipe.presets).map((p) => new Option(p, p)));
  $("#preset").value = preset || "";
  $("#loop").title = recipe.loopable ? "render a seamless loop and play it looped" : "plays the sound looped";
  $("#sfx-duration").placeholder = recipe.natural_length ? "natural" : String(recipe.default_duration_s);
  if (!recipe.natural_length && !$("#sfx-duration").value) $("#sfx-duration").value = 3;
  const box = $("#params");
  box.replaceChildren();
  const start = { ...Object.fromEntries(recipe.params.map((p) => [p.name, p.default])),
                  ...(preset ? recipe.presets[preset] : {}), ...values };
  for (const p of recipe.params) {
    const row = document.createElement("div"), id = `p-${p.name}`;
    row.className = "param";
    const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: p.name, title: p.doc });
    row.append(label);
    if (p.choices) {
      const sel = Object.assign(document.createElement("select"), { id, name: p.name });
      sel.append(...p.choices.map((c) => new Option(c, c)));
      sel.value = start[p.name];
      sel.addEventListener("change", onParamChange);
      row.append(sel);
    } else {
      const step = (p.high - p.low) / 200;
      const range = Object.assign(document.createElement("input"), { type: "range", id, name: p.name, min: p.low,
                                                                     max: p.high, step, value: start[p.name] });
      const exact = Object.assign(document.createElement("input"), { type: "number", min: p.low, max: p.high, step,
                                                                     value: round(start[p.name]) });
      exact.setAttribute("aria-label", `${p.name} exact value`);
      range.addEventListener("input", () => { exact.value = round(range.value); onParamChange(); });
      exact.addEventListener("change", () => { range.value = exact.value; onParamChange(); });
      row.append(range, exact);
    }
    box.append(row);
  }
}

const round = (v) => Number(Number(v).toPrecision(4));

function sfxParams() {
  const out = {};
  for (const input of document.querySelectorAll("#params [name]")) {
    out[input.name] = input.type === "range" ? Number(input.value) : input.value;
  }
  return out;
}

let debounce = null;
function onParamChange() {
  clearTimeout(debounce);
  debounce = setTimeout(() => renderSfx(true), 350);  // re-render once the slider rests, then auto-play
}

function sfxRequest() {
  const duration = $("#sfx-duration").value;
  return { kind: "sfx", recipe: $("#recipe").value, preset: $("#preset").value || null, params: sfxParams(),
           duration_s: duration === "" ? null : Number(duration), loop: $("#loop").checked && recipeOf($("#recipe").value).loopable,
           seed: Number($("#sfx-seed").value || 0) };
}

async function renderSfx(remember = true) {
  const request = sfxRequest();
  if (remember) {
    const last = state.history[state.history.length - 1];
    if (JSON.stringify(last) !== JSON.stringify(request)) state.history.push(request);
    $("#undo").disabled = state.history.length < 2;
  }
  if (state.sfxJob) api(`/v1/jobs/${state.sfxJob}/cancel`, { method: "POST" }).catch(() => {});  // newest wins
  const mine = [];
  try {
    $("#sfx-status").textContent = "rendering…";
    const job = await runJob(Object.fromEntries(Object.entries(request).filter(([, v]) => v !== null)),
                             (j) => { state.sfxJob = j.id; }, mine);
    if (state.sfxJob !== job.id) return;  // a newer render started meanwhile
    const wav = job.files.find((f) => /\.(wav|flac|ogg)$/.test(f.name));
    const player = $("#sfx-player");
    fillDownloads($(".downloads", player), job.files);
    await loadPlayer(player, wav, $("#autoplay").checked);
    player.dataset.renders = String(Number(player.dataset.renders) + 1);
    player.dataset.job = job.id;
    $("#sfx-status").textContent = `${wav.name} · seed ${job.request.seed}`;
  } catch (err) {
    if (err.message !== "cancelled") $("#sfx-status").textContent = err.message;
  }
}

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

function mutate() {
  const recipe = recipeOf($("#recipe").value), amount = 0.1;
  for (const p of recipe.params.filter((q) => !q.choices)) {
    const range = $(`#p-${CSS.escape(p.name)}`);
    const moved = Number(range.value) + (Math.random() * 2 - 1) * amount * (p.high - p.low);
    range.value = Math.min(p.high, Math.max(p.low, moved));
    range.nextElementSibling.value = round(range.value);
  }
  renderSfx(true);
}

function undo() {
  state.history.pop();
  const previous = state.history[state.history.length - 1];
  $("#recipe").value = previous.recipe;
  buildSfxControls(previous.preset, previous.params);
  $("#sfx-duration").value = previous.duration_s ?? "";
  $("#sfx-seed").value = previous.seed;
  renderSfx(false);
  $("#undo").disabled = state.history.length < 2;
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
  $("#continue").addEventListener("click", () => rework("primer_upload").catch((e) => setStatus(e.message)));
  $("#regen").addEventListener("click", () => rework("infill_bars").catch((e) => setStatus(e.message)));
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
