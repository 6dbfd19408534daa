"use strict";
// The supervisor's WFM page: the planner (history -> draft schedule), charts, the schedule
// grid, the requests inbox, adherence.
(() => {
  const $ = (id) => document.getElementById(id);
  const T = window.T;
  const root = $("wfm");
  let scheduleId = root.dataset.scheduleId ? Number(root.dataset.scheduleId) : null;
  let detail = null;

  function showError(e) { $("wfm-error").textContent = e ? e.message : ""; $("wfm-error").hidden = !e; }
  const hhmm = (iso) => iso.slice(11, 16);
  const ddmm = (iso) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}`;
  const weekday = (iso) => new Date(iso + "T12:00:00").toLocaleDateString(window.LANG, { weekday: "short" });

  async function loadSchedules() {
    const list = await HL.api("GET", "/api/v1/wfm/schedules");
    const select = $("schedule-select"); select.textContent = "";
    for (const s of list) {
      const o = HL.el("option", { value: s.id }, `#${s.id} ${s.name} (${ddmm(s.start)}–${ddmm(s.end)}, ${T["wfm_status_" + s.status] || s.status})`);
      select.appendChild(o);
    }
    if (!list.length) { $("no-schedule").hidden = false; $("schedule-body").hidden = true; return; }
    if (!scheduleId || !list.some((s) => s.id === scheduleId)) scheduleId = list[0].id;
    select.value = String(scheduleId);
    await loadAll();
  }

  async function loadAll() {
    showError(null);
    $("no-schedule").hidden = true; $("schedule-body").hidden = false;
    await loadDetail();
    loadCharts();
    await Promise.all([loadInbox(), loadAdherence()]);
  }

  async function loadDetail() {
    detail = await HL.api("GET", `/api/v1/wfm/schedules/${scheduleId}`);
    $("schedule-status").textContent = T["wfm_status_" + detail.status] || detail.status;
    $("schedule-status").dataset.status = detail.status;
    $("publish-draft").hidden = detail.status !== "draft";
    const skill = $("coverage-skill");
    const chosen = skill.value;
    while (skill.options.length > 1) skill.remove(1);
    for (const s of detail.skills) skill.appendChild(HL.el("option", { value: s }, s));
    if (detail.skills.includes(chosen)) skill.value = chosen;
    const known = $("plan-skills"); known.textContent = "";
    for (const s of detail.skills) known.appendChild(HL.el("option", { value: s }));
    const c = detail.coverage;
    $("coverage-summary").textContent = `${(100 * c.covered_share).toFixed(1)}% ${T.wfm_covered} · ${T.wfm_deficit}: ${c.deficit_agent_intervals} · ${T.wfm_over}: ${c.over_agent_intervals}`;
    renderGrid();
  }

  function renderGrid() {
    const head = document.querySelector("#grid thead"), body = document.querySelector("#grid tbody");
    head.textContent = ""; body.textContent = "";
    const hr = HL.el("tr"); hr.appendChild(HL.el("th", {}, T.operator));
    for (const d of detail.dates) hr.appendChild(HL.el("th", { "data-day": d }, `${ddmm(d)} ${weekday(d)}`));
    head.appendChild(hr);
    const byCell = {};
    for (const s of detail.shifts) byCell[`${s.agent_id}|${s.day}`] = s;
    for (const op of detail.operators) {
      const tr = HL.el("tr", { "data-agent-id": op.id });
      tr.appendChild(HL.el("th", { title: op.skills.join(", ") }, op.name));
      for (const d of detail.dates) {
        const s = byCell[`${op.id}|${d}`];
        let td;
        if (s) {
          td = HL.el("td", { class: "shift", "data-day": d, title: s.breaks.map((b) => `${T["wfm_break_" + b.kind] || b.kind} ${b.label}`).join("\n") }, s.label);
        } else if (op.unavailable.includes(d)) {
          td = HL.el("td", { class: "time-off", "data-day": d }, T.wfm_time_off);
        } else {
          td = HL.el("td", { class: "off", "data-day": d }, T.wfm_off);
        }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }

  function loadCharts() {
    const stamp = Date.now();
    const skill = $("coverage-skill").value;
    $("forecast-chart").src = `/api/v1/wfm/schedules/${scheduleId}/forecast.svg?t=${stamp}`;
    $("coverage-chart").src = `/api/v1/wfm/schedules/${scheduleId}/coverage.svg?t=${stamp}` + (skill ? `&skill=${encodeURIComponent(skill)}` : "");
  }

  function effectText(effect) {
    if (!effect) return "";
    if (!effect.short_intervals_added) return T.wfm_effect_none;
    const skills = effect.per_skill.filter((s) => s.deficit_added_agent_intervals > 0).map((s) => `${s.skill} ${s.deficit_added_agent_intervals}`).join(", ");
    const periods = effect.short_periods.slice(0, 4).map((p) => `${ddmm(p.start.slice(0, 10))} ${hhmm(p.start)}–${hhmm(p.end)}`).join("; ");
    return `${effect.short_intervals_added} ${T.wfm_short_intervals}; ${effect.deficit_added_agent_intervals} ${T.wfm_agent_intervals} (${skills})` + (periods ? ` — ${periods}` : "");
  }

  async function loadInbox() {
    const list = await HL.api("GET", `/api/v1/wfm/requests?state=pending&schedule_id=${scheduleId}`);
    const body = document.querySelector("#inbox tbody"); body.textContent = "";
    $("inbox-empty").hidden = list.length > 0;
    $("inbox").hidden = list.length === 0;
    for (const r of list) {
      const live = r.live || {};
      const tr = HL.el("tr", { "data-request-id": r.id, "data-kind": r.kind, "data-state": r.state, "data-author-id": r.author_id, "data-days": r.days.join(",") });
      tr.appendChild(HL.el("td", {}, String(r.id)));
      tr.appendChild(HL.el("td", {}, r.author_name));
      let what = T["wfm_kind_" + r.kind];
      if (r.kind === "swap") {
        what += ` ${T.wfm_to_colleague} ${r.peer_name}` + (r.return_day ? `, ${T.wfm_in_return} ${ddmm(r.return_day)}` : "");
        what += ` (${r.peer_consent ? T.wfm_peer_agreed : T.wfm_peer_waiting})`;
      }
      tr.appendChild(HL.el("td", {}, what));
      const shifts = (live.shifts || []).map((s) => `${ddmm(s.day)} ${s.label}`).join(", ");
      tr.appendChild(HL.el("td", {}, r.days.map(ddmm).join(", ") + (shifts ? ` (${shifts})` : "")));
      const eff = HL.el("td", { class: "effect" }, effectText(live.effect));
      if (live.effect && live.effect.short_intervals_added) eff.classList.add("worse");
      if (live.violations && live.violations.length) {
        eff.appendChild(HL.el("div", { class: "error" }, `${T.wfm_violations}: ` + live.violations.map((v) => v.message).join("; ")));
      }
      tr.appendChild(eff);
      tr.appendChild(HL.el("td", {}, r.note));
      const reasonTd = HL.el("td");
      const reason = HL.el("input", { class: "reason", maxlength: "500", placeholder: T.wfm_refuse_reason });
      reasonTd.appendChild(reason); tr.appendChild(reasonTd);
      const buttons = HL.el("td", { class: "buttons" });
      const ok = HL.el("button", { type: "button", class: "approve small" }, T.wfm_approve);
      const no = HL.el("button", { type: "button", class: "refuse small secondary" }, T.wfm_refuse);
      if (r.kind === "swap" && !r.peer_consent) ok.disabled = true;
      ok.addEventListener("click", () => decide(r.id, "approve", reason.value));
      no.addEventListener("click", () => {
        if (!reason.value.trim()) { reason.focus(); showError(new Error(T.wfm_refuse_reason)); return; }
        decide(r.id, "refuse", reason.value);
      });
      buttons.append(ok, no); tr.appendChild(buttons);
      body.appendChild(tr);
    }
  }

  async function decide(id, action, reason) {
    try {
      await HL.api("POST", `/api/v1/wfm/requests/${id}/${action}`, { reason: reason.trim() });
      await loadAll();
    } catch (e) { showError(e); }
  }

  const pct = (v) => (v === null ? "" : (100 * v).toFixed(1));

  async function loadAdherence() {
    const day = $("adherence-day").value || root.dataset.today;
    const rows = await HL.api("GET", `/api/v1/wfm/adherence?day=${day}`);
    const body = document.querySelector("#adherence tbody"); body.textContent = "";
    $("adherence-empty").hidden = rows.length > 0;
    for (const a of rows) {
      const tr = HL.el("tr", { "data-agent-id": a.operator_id, "data-late": String(a.late), "data-absent": String(a.absent) });
      const login = a.absent ? T.wfm_absent : a.measured_seconds === 0 ? T.wfm_not_started : a.login_at ? hhmm(a.login_at) : "—";
      const cells = [a.name, `${hhmm(a.shift_start)}–${hhmm(a.shift_end)}`, login,
        a.late ? String(a.late_minutes) : "", a.early ? String(a.early_minutes) : "",
        a.overlong_pauses ? String(a.overlong_pauses) : "", String(Math.round(a.out_of_adherence_minutes)), pct(a.adherence)];
      cells.forEach((v, i) => { const td = HL.el("td", {}, v); if ((i === 3 && a.late) || (i === 4 && a.early) || (i === 5 && a.overlong_pauses)) td.className = "error"; tr.appendChild(td); });
      body.appendChild(tr);
    }
  }

  // -- the planner: files read in the browser, one POST, the draft selected below ----------
  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error || new Error(file.name));
      reader.readAsText(file);
    });
  }

  function errorText(e) {
    const errors = e && e.data && e.data.details && e.data.details.errors;
    if (errors && errors.length) return `${e.message}: ` + errors.map((x) => `${x.loc[x.loc.length - 1]} — ${x.msg}`).join("; ");
    return e ? e.message : "";
  }

  function showPlanError(text) { $("plan-error").textContent = text || ""; $("plan-error").hidden = !text; }

  const pct1 = (v) => (v === null || v === undefined ? "—" : (100 * v).toFixed(1));

  function renderPlan(r) {
    const f = r.forecast, rq = r.requirement, s = r.schedule;
    $("plan-done").textContent = `${T.wfm_plan_draft}: #${r.schedule_id} (${ddmm(r.start)}–${ddmm(r.end)}, ${r.skill})`;
    const body = document.querySelector("#plan-scores tbody"); body.textContent = "";
    for (const m of f.scores) {
      const tr = HL.el("tr", { "data-model": m.model, class: m.chosen ? "chosen" : "" });
      [m.model, pct1(m.wape), pct1(m.mape), m.wape_ratio === null ? "—" : `×${m.wape_ratio.toFixed(3)}`,
        m.chosen ? `✓ ${T.wfm_plan_chosen}` : ""].forEach((v) => tr.appendChild(HL.el("td", {}, v)));
      body.appendChild(tr);
    }
    $("plan-forecast-summary").textContent = `${T.wfm_plan_forecast}: ${f.model}, ${f.total_contacts} ${T.wfm_plan_contacts} · ${f.history.days} ${T.wfm_plan_history_days}` +
      (f.history.dropped_partial_day ? ` (${T.wfm_plan_dropped} ${ddmm(f.history.dropped_partial_day)})` : "");
    $("plan-requirement-summary").textContent = `${T.wfm_plan_requirement} (${rq.model}): ${T.wfm_plan_peak} ${rq.peak_agents} · ${rq.agent_hours} ${T.wfm_plan_hours}`;
    $("plan-schedule-summary").textContent = `${T.wfm_plan_schedule}: ${s.shifts} ${T.wfm_plan_shifts}, ${s.scheduled_operators}/${s.operators} ${T.wfm_plan_operators_used} · ` +
      `${pct1(s.covered_share)}% ${T.wfm_covered} · ${T.wfm_deficit}: ${s.deficit_agent_intervals} · ${T.wfm_over}: ${s.over_agent_intervals} · ` +
      `${T.wfm_violations}: ${s.violations} · ${T.wfm_plan_solver}: ${s.status}, ${s.objective} (${T.wfm_plan_gap} ${pct1(s.gap)}%), ${s.seconds} s`;
    $("plan-result").hidden = false;
  }

  async function planBody() {
    const history = $("plan-history").files[0];
    if (!history) throw new Error(T.wfm_plan_no_file);
    const body = {
      history_csv: await readFile(history),
      horizon_days: Number($("plan-horizon").value),
      channel: $("plan-channel").value,
      target_sl: Number($("plan-sl").value) / 100,
      target_seconds: Number($("plan-seconds").value),
      time_limit_seconds: Number($("plan-time-limit").value),
    };
    if ($("plan-aht").value) body.aht_seconds = Number($("plan-aht").value);
    const skill = $("plan-skill").value.trim();
    if (skill) body.skill = skill;
    const ops = $("plan-operators").files[0];
    if (ops) {
      let data;
      try { data = JSON.parse(await readFile(ops)); } catch (e) { throw new Error(`${T.wfm_plan_bad_json}: ${e.message}`); }
      if (Array.isArray(data)) body.operators = data;
      else {  // the operators file of `helpline wfm schedule --operators`
        body.operators = data.operators;
        if (data.contracts) body.contracts = data.contracts;
        if (data.timezone) body.timezone = data.timezone;
      }
    }
    return body;
  }

  $("plan-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showPlanError(null);
    const button = $("plan-submit");
    button.disabled = true; $("plan-working").hidden = false; $("plan-result").hidden = true;
    try {
      const result = await HL.api("POST", "/api/v1/wfm/plan", await planBody());
      renderPlan(result);
      scheduleId = result.schedule_id;
      await loadSchedules();
    } catch (e) { showPlanError(errorText(e)); }
    finally { button.disabled = false; $("plan-working").hidden = true; }
  });

  $("schedule-select").addEventListener("change", (ev) => { scheduleId = Number(ev.target.value); loadAll().catch(showError); });
  $("coverage-skill").addEventListener("change", loadCharts);
  $("adherence-day").addEventListener("change", () => loadAdherence().catch(showError));
  $("publish-draft").addEventListener("click", async () => {
    try { await HL.api("POST", `/api/v1/wfm/schedules/${scheduleId}/publish`, { replace: false }); await loadSchedules(); }
    catch (e) { showError(e); }
  });
  loadSchedules().catch(showError);
})();
