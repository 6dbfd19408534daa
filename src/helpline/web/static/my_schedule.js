"use strict";
// An operator's own schedule: shifts and breaks, swap and time-off requests.
(() => {
  const $ = (id) => document.getElementById(id);
  const T = window.T;
  const ids = { swap: null, off: null };  // one client request id per attempt (safe to retry)

  const ddmm = (iso) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}`;
  const weekday = (iso) => new Date(iso + "T12:00:00").toLocaleDateString(window.LANG, { weekday: "short" });
  function showError(e) { $("ms-error").textContent = e ? e.message : ""; $("ms-error").hidden = !e; }

  function addDays(iso, n) {
    const d = new Date(iso + "T12:00:00Z"); d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  async function loadShifts() {
    const data = await HL.api("GET", "/api/v1/wfm/me/shifts");
    const body = document.querySelector("#my-shifts tbody"); body.textContent = "";
    $("no-shifts").hidden = data.shifts.length > 0;
    const daySelect = $("swap-day"); daySelect.textContent = "";
    for (const s of data.shifts) {
      const tr = HL.el("tr", { "data-day": s.day });
      tr.appendChild(HL.el("td", {}, `${ddmm(s.day)} ${weekday(s.day)}`));
      tr.appendChild(HL.el("td", { class: "shift" }, s.label));
      tr.appendChild(HL.el("td", {}, s.breaks.map((b) => `${T["wfm_break_" + b.kind] || b.kind} ${b.label}`).join(", ")));
      body.appendChild(tr);
      if (new Date(s.start) > new Date()) daySelect.appendChild(HL.el("option", { value: s.day }, `${ddmm(s.day)} ${weekday(s.day)} ${s.label}`));
    }
    $("days-off").hidden = data.days_off.length === 0;
    $("days-off").textContent = `${T.wfm_days_off}: ` + data.days_off.map(ddmm).join(", ");
    const peer = $("swap-peer"); peer.textContent = "";
    for (const c of data.colleagues) peer.appendChild(HL.el("option", { value: c.id }, `${c.name} (${c.skills.join(", ")})`));
    $("off-from").min = data.today;
    if (!$("off-from").value) $("off-from").value = addDays(data.today, 1);
  }

  async function loadToday() {
    const rows = await HL.api("GET", "/api/v1/wfm/me/adherence");
    const box = $("ms-today");
    box.hidden = rows.length === 0;
    if (!rows.length) return;
    const a = rows[0];
    const parts = [`${T.wfm_today}: ${a.shift_start.slice(11, 16)}–${a.shift_end.slice(11, 16)}`];
    if (a.adherence !== null) parts.push(`${T.wfm_adherence_pct} ${(100 * a.adherence).toFixed(1)}`);
    if (a.late) parts.push(`${T.wfm_late} ${a.late_minutes}`);
    box.textContent = parts.join(" · ");
  }

  async function loadRequests() {
    const list = await HL.api("GET", "/api/v1/wfm/me/requests");
    const body = document.querySelector("#my-requests tbody"); body.textContent = "";
    $("no-requests").hidden = list.length > 0;
    $("my-requests").hidden = list.length === 0;
    for (const r of list) {
      const mine = r.author_id === window.ME.id;
      const tr = HL.el("tr", { "data-request-id": r.id, "data-kind": r.kind, "data-state": r.state });
      tr.appendChild(HL.el("td", {}, String(r.id)));
      let what = T["wfm_kind_" + r.kind];
      if (r.kind === "swap") {
        what = mine ? `${what} ${T.wfm_to_colleague} ${r.peer_name}` : `${r.author_name} ${T.wfm_offered_to_you}`;
        if (r.return_day) what += `, ${T.wfm_in_return} ${ddmm(r.return_day)}`;
        if (r.state === "pending") what += ` (${r.peer_consent ? T.wfm_peer_agreed : T.wfm_peer_waiting})`;
      }
      tr.appendChild(HL.el("td", {}, what));
      tr.appendChild(HL.el("td", {}, r.days.map(ddmm).join(", ")));
      tr.appendChild(HL.el("td", { class: "state" }, T["wfm_state_" + r.state] || r.state));
      tr.appendChild(HL.el("td", {}, r.reason || ""));
      const actions = HL.el("td", { class: "buttons" });
      if (r.state === "pending" && mine) {
        const b = HL.el("button", { type: "button", class: "small secondary withdraw" }, T.wfm_withdraw);
        b.addEventListener("click", () => act(`/api/v1/wfm/me/requests/${r.id}/cancel`));
        actions.appendChild(b);
      }
      if (r.state === "pending" && !mine && r.peer_consent === null) {
        const yes = HL.el("button", { type: "button", class: "small agree" }, T.wfm_agree);
        const no = HL.el("button", { type: "button", class: "small secondary decline" }, T.wfm_decline);
        yes.addEventListener("click", () => act(`/api/v1/wfm/me/requests/${r.id}/answer`, { accept: true }));
        no.addEventListener("click", () => act(`/api/v1/wfm/me/requests/${r.id}/answer`, { accept: false }));
        actions.append(yes, no);
      }
      tr.appendChild(actions);
      body.appendChild(tr);
    }
  }

  async function act(path, body) {
    try { await HL.api("POST", path, body); showError(null); await Promise.all([loadRequests(), loadShifts()]); }
    catch (e) { showError(e); }
  }

  async function file(kind, path, body, resultId) {
    ids[kind] = ids[kind] || HL.uuid();
    try {
      await HL.api("POST", path, Object.assign({ request_id: ids[kind] }, body));
      ids[kind] = null;
      $(resultId).textContent = T.wfm_request_sent; $(resultId).className = "muted";
      showError(null);
      await loadRequests();
    } catch (e) {
      if (e.status && e.status < 500) ids[kind] = null;  // refused: the next attempt is new
      $(resultId).textContent = e.message; $(resultId).className = "error";
    }
  }

  $("swap-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = { day: $("swap-day").value, peer_id: $("swap-peer").value, note: $("swap-note").value };
    if ($("swap-return").value) body.return_day = $("swap-return").value;
    file("swap", "/api/v1/wfm/me/requests/swap", body, "swap-result");
  });
  $("off-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const from = $("off-from").value, to = $("off-to").value || from;
    const days = [];
    for (let d = from; d <= to && days.length < 15; d = addDays(d, 1)) days.push(d);
    file("off", "/api/v1/wfm/me/requests/time-off", { days, note: $("off-note").value }, "off-result");
  });

  Promise.all([loadShifts(), loadRequests(), loadToday()]).catch(showError);
})();
