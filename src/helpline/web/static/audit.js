"use strict";
// Supervisor audit log: filters by line, user, action and dates; read-only.
(() => {
  const $ = (id) => document.getElementById(id);
  let names = {};

  async function load() {
    const q = new URLSearchParams();
    for (const [id, key] of [["f-msisdn", "msisdn"], ["f-user", "user_id"], ["f-action", "action"], ["f-from", "date_from"], ["f-to", "date_to"]]) {
      const v = $(id).value.trim(); if (v) q.set(key, v);
    }
    try {
      const rows = await HL.api("GET", "/api/v1/desk/audit?" + q.toString());
      const body = document.querySelector("#audit tbody"); body.textContent = "";
      for (const e of rows) {
        const tr = HL.el("tr", { "data-audit-id": e.id, "data-action": e.action, "data-outcome": e.outcome });
        const params = Object.entries(e.params).map(([k, v]) => `${k}=${v}`).join(", ");
        for (const v of [e.id, e.at.slice(0, 19).replace("T", " "), names[e.user_id] || e.user_id, e.role, e.action, e.outcome, e.msisdn || "", window.T["level_" + e.verification_level] || e.verification_level, params, e.reason]) {
          tr.appendChild(HL.el("td", {}, String(v)));
        }
        body.appendChild(tr);
      }
      $("audit-error").hidden = true;
    } catch (e) { $("audit-error").textContent = e.message; $("audit-error").hidden = false; }
  }

  $("audit-filter").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  HL.api("GET", "/api/v1/agents").then((list) => { for (const a of list) names[a.id] = a.name; }).catch(() => {}).finally(load);
})();
