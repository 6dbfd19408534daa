"use strict";
// Shared helpers for the pages (no build step).
window.HL = {
  uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "id-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  },
  wsUrl(path) { return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path; },
  async api(method, path, body, headers) {
    const init = { method, headers: Object.assign({ "Content-Type": "application/json" }, headers || {}) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(path, init);
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) { const e = new Error((data && data.message) || res.statusText); e.data = data; e.status = res.status; throw e; }
    return data;
  },
  el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  },
  fmtSeconds(s) {
    s = Math.max(0, Math.round(s));
    const m = Math.floor(s / 60), r = s % 60;
    return m ? `${m}:${String(r).padStart(2, "0")}` : `${r}s`;
  },
};
