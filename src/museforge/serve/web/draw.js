// museforge studio: drawing (waveform, piano roll, playhead), download links and players.
"use strict";

import { $, blobOf } from "./api.js";

export async function drawWaveform(canvas, blob) {
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
export function followPlayhead(root) {
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

export function drawRoll(canvas, notes) {  // pitched tracks by pitch; drums in a strip along the bottom
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

export function downloadLink(file, name) {
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

export function fillDownloads(box, files, rename = (name) => name) {  // mix, MIDI, zip first; stems and sidecars folded
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

export async function loadPlayer(root, file, autoplay) {
  const blob = await blobOf(file.url), audio = $("audio", root), old = audio.src;
  audio.src = URL.createObjectURL(blob);
  audio.dataset.file = file.name;
  if (old.startsWith("blob:")) URL.revokeObjectURL(old);
  await drawWaveform($("canvas.wave", root), blob);
  followPlayhead(root);
  if (autoplay) audio.play().catch(() => {});  // browsers may refuse before a user gesture; the player stays
}
