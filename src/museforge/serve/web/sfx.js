// museforge studio: the sound-effect panel (recipe, preset, sliders that re-render and auto-play, mutate, undo).
"use strict";

import { $, api, runJob, state } from "./api.js";
import { fillDownloads, loadPlayer } from "./draw.js";

export const recipeOf = (name) => state.options.sfx.recipes.find((r) => r.name === name);

export function buildSfxControls(preset = null, values = {}) {
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
export function onParamChange() {
  clearTimeout(debounce);
  debounce = setTimeout(() => renderSfx(true), 350);  // re-render once the slider rests, then auto-play
}

function sfxRequest() {
  const duration = $("#sfx-duration").value;
  return { kind: "sfx", recipe: $("#recipe").value, preset: $("#preset").value || null, params: sfxParams(),
           duration_s: duration === "" ? null : Number(duration), loop: $("#loop").checked && recipeOf($("#recipe").value).loopable,
           seed: Number($("#sfx-seed").value || 0) };
}

export async function renderSfx(remember = true) {
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

export function mutate() {
  const recipe = recipeOf($("#recipe").value), amount = 0.1;
  for (const p of recipe.params.filter((q) => !q.choices)) {
    const range = $(`#p-${CSS.escape(p.name)}`);
    const moved = Number(range.value) + (Math.random() * 2 - 1) * amount * (p.high - p.low);
    range.value = Math.min(p.high, Math.max(p.low, moved));
    range.nextElementSibling.value = round(range.value);
  }
  renderSfx(true);
}

export function undo() {
  state.history.pop();
  const previous = state.history[state.history.length - 1];
  $("#recipe").value = previous.recipe;
  buildSfxControls(previous.preset, previous.params);
  $("#sfx-duration").value = previous.duration_s ?? "";
  $("#sfx-seed").value = previous.seed;
  renderSfx(false);
  $("#undo").disabled = state.history.length < 2;
}
