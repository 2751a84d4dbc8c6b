// museforge studio: the HTTP API (/v1) as the page uses it, and the page's shared state.
"use strict";

export const $ = (sel, root = document) => root.querySelector(sel);
export const state = { kinds: {}, options: null, running: [], selected: null, sfxJob: null, history: [],
                       blobs: new Map() };

export function headers(extra = {}) {
  const token = $("#token").value.trim();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

export async function api(path, { method = "GET", json, body, contentType } = {}) {
  const init = { method, headers: headers(json ? { "Content-Type": "application/json" } : {}) };
  if (json) init.body = JSON.stringify(json);
  if (body) { init.body = body; init.headers["Content-Type"] = contentType || "application/octet-stream"; }
  const res = await fetch(path, init);
  const data = (res.headers.get("content-type") || "").includes("json") ? await res.json() : null;
  if (!res.ok) throw new Error((data && data.detail) || `${res.status} ${res.statusText}`);
  return data;
}

export async function blobOf(url) {  // job files are fetched once (the token travels in a header, not the URL)
  if (!state.blobs.has(url)) {
    state.blobs.set(url, fetch(url, { headers: headers() }).then((r) => {
      if (!r.ok) throw new Error(`download failed: ${r.status}`);
      return r.blob();
    }));
  }
  return state.blobs.get(url);
}

// Server-sent events read through fetch (EventSource cannot send the token); resolves with the finished job.
export async function watch(jobId, onUpdate) {
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

export async function runJob(request, onUpdate, track) {
  const job = await api("/v1/jobs", { method: "POST", json: request });
  if (track) track.push(job.id);
  onUpdate(job);
  const end = await watch(job.id, onUpdate);
  if (end.status !== "done") throw new Error(end.status === "cancelled" ? "cancelled" : `failed: ${end.error}`);
  return end;
}
