"use strict";
// Supervisor board: refreshed on every event (debounced) and every 5 s.
(() => {
  const T = window.T, $ = (id) => document.getElementById(id);
  let timer = null, backoff = 500;

  function cell(tr, text, cls) { const td = HL.el("td", cls ? { class: cls } : {}, text); tr.appendChild(td); return td; }

  async function refresh() {
    const b = await HL.api("GET", "/api/v1/board");
    const qb = $("queues").querySelector("tbody"); qb.textContent = "";
    for (const q of b.queues) {
      const tr = HL.el("tr", { "data-queue-id": q.queue_id });
      cell(tr, window.LANG === "ru" ? q.name_ru : q.name);
      cell(tr, String(q.waiting), "waiting");
      cell(tr, HL.fmtSeconds(q.longest_wait_seconds), "longest-wait");
      cell(tr, Object.entries(q.agents_by_status).map(([s, n]) => `${T["status_" + s] || s}: ${n}`).join(", "));
      cell(tr, String(q.contacts_today), "contacts-today");
      cell(tr, q.service_level_today === null ? "—" : `${(q.service_level_today * 100).toFixed(1)}% (${q.answered_within_threshold}/${q.answered_today})`, "sl");
      cell(tr, String(q.abandoned_today), "abandoned");
      qb.appendChild(tr);
    }
    const ab = $("agents").querySelector("tbody"); ab.textContent = "";
    for (const a of b.agents) {
      const tr = HL.el("tr", { "data-agent-id": a.agent_id });
      cell(tr, `${a.name} (${a.role})`);
      cell(tr, T["status_" + a.status] || a.status, "status st-" + a.status);
      cell(tr, `${new Date(a.status_since).toLocaleTimeString()} (${HL.fmtSeconds(a.status_seconds)})`);
      cell(tr, a.active_contacts.map((c) => `${c.customer_name} [${c.queue_id}, ${c.state}]`).join("; ") || "—", "active");
      ab.appendChild(tr);
    }
  }

  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 250); }

  function connect() {
    const ws = new WebSocket(HL.wsUrl("/ws/desk?all=1"));
    ws.onopen = () => { backoff = 500; $("conn").textContent = ""; soon(); };
    ws.onmessage = (ev) => { const f = JSON.parse(ev.data); if (f.type !== "typing") soon(); };
    ws.onclose = () => { $("conn").textContent = T.reconnecting; setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 8000); };
  }
  refresh(); connect(); setInterval(refresh, 5000);
})();
