"use strict";
// The scorecard panel of the QA page: finds <section id="scorecard" data-contact-id>,
// shows the checklist through /api/v1/qa/contacts/{id}/scorecard (items, automatic value,
// final value, the QA specialist's override with its comment, the score) and, for QA
// specialists and admins, fills it from the findings and takes overrides (comment
// required). Strings come from window.T (helpline.web.i18n, keys qa_sc_*).
(() => {
  const root = document.getElementById("scorecard");
  if (!root || !root.dataset.contactId) return;
  const T = window.T || {};
  const t = (key) => T[key] || key;
  // item titles and the automatic values' reasons come in the page's language
  const lang = window.LANG === "en" ? "en" : "ru";
  const url = "/api/v1/qa/contacts/" + encodeURIComponent(root.dataset.contactId) + "/scorecard";
  const withLang = (path) => path + (path.includes("?") ? "&" : "?") + "lang=" + lang;
  const VALUES = ["passed", "failed", "not_applicable"];
  const label = (v) => v ? t("qa_sc_" + v) : t("qa_sc_pending");
  const pct = (s) => (s.percent === null || s.percent === undefined) ? "–" : `${s.percent.toFixed(1)}%`;
  const el = (tag, attrs, text) => HL.el(tag, attrs, text);

  // panel-only styles (kept here so the page's stylesheet stays untouched)
  const style = document.createElement("style");
  style.textContent = `
    #scorecard table { width:100%; }
    #scorecard td.v-passed { color:var(--ok, #2f855a); }
    #scorecard td.v-failed { color:var(--accent, #c53030); font-weight:600; }
    #scorecard td.v-not_applicable, #scorecard td.v-none { color:var(--muted, #718096); }
    #scorecard td.changed { background:#fff8db; }
    #scorecard .sc-critical { font-size:.75rem; margin-left:.4rem; padding:.05rem .4rem;
      border-radius:10px; background:#c53030; color:#fff; }
    #scorecard .sc-score { font-size:1.2rem; font-weight:600; }
    #scorecard form.sc-override { display:flex; gap:.5rem; flex-wrap:wrap; align-items:flex-start; }
    #scorecard form.sc-override textarea { flex:1 1 20rem; min-height:3rem; }
    #scorecard .sc-comment { font-size:.85rem; }`;
  document.head.appendChild(style);

  let canEdit = false;

  function error(message) {
    const p = el("p", { "class": "error", id: "sc-error" }, message);
    const old = root.querySelector("#sc-error");
    if (old) old.replaceWith(p); else root.appendChild(p);
  }

  async function call(method, path, body) {
    try {
      render(await HL.api(method, withLang(path), body));
    } catch (e) {
      error(e.message);
    }
  }

  function header() {
    root.textContent = "";
    root.appendChild(el("h3", {}, t("qa_sc_title")));
  }

  function empty() {
    header();
    root.appendChild(el("p", { "class": "muted", id: "sc-empty" }, t("qa_sc_not_scored")));
    if (canEdit) {
      const button = el("button", { type: "button", id: "sc-autoscore" }, t("qa_sc_autoscore"));
      button.addEventListener("click", () => call("POST", url));
      root.appendChild(button);
    }
  }

  function overrideForm(item, row) {
    const tr = el("tr", { "class": "sc-form-row", "data-item": item.id });
    const td = el("td", { colspan: "6" });
    const form = el("form", { "class": "sc-override" });
    const select = el("select", { name: "value", "aria-label": t("qa_sc_final") });
    for (const v of VALUES) {
      const option = el("option", { value: v }, label(v));
      if (v === (item.final || "passed")) option.selected = true;
      select.appendChild(option);
    }
    const comment = el("textarea", { name: "comment", maxlength: "2000", required: "",
                                     placeholder: t("qa_sc_comment") });
    const save = el("button", { type: "submit" }, t("qa_sc_save"));
    const cancel = el("button", { type: "button" }, t("cancel"));
    cancel.addEventListener("click", () => tr.remove());
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = comment.value.trim();
      if (!text) { error(t("qa_sc_comment_required")); comment.focus(); return; }
      call("POST", url + "/items/" + encodeURIComponent(item.id), { value: select.value, comment: text });
    });
    form.append(select, comment, save, cancel);
    td.appendChild(form);
    tr.appendChild(td);
    row.after(tr);
    comment.focus();
  }

  function render(card) {
    canEdit = !!card.can_override;
    header();
    const score = card.score, auto = card.auto_score;
    const head = el("p", { id: "sc-summary" });
    head.appendChild(el("span", { "class": "sc-score", id: "sc-score" }, `${t("qa_sc_score")}: ${pct(score)}`));
    head.appendChild(el("span", { "class": "muted" },
      ` (${t("qa_sc_auto_score")}: ${pct(auto)}) · ${card.template.title} v${card.template.version}`));
    root.appendChild(head);
    if (score.critical_failed.length) {
      root.appendChild(el("p", { "class": "error", id: "sc-critical" }, t("qa_sc_critical_failed")));
    }
    if (score.pending.length) {
      const names = card.items.filter((i) => score.pending.includes(i.id)).map((i) => i.title);
      root.appendChild(el("p", { "class": "muted", id: "sc-pending" }, `${t("qa_sc_pending_items")}: ${names.join("; ")}`));
    }
    const table = el("table", { id: "sc-items" });
    const headRow = el("tr");
    for (const key of ["qa_sc_item", "qa_sc_weight", "qa_sc_auto", "qa_sc_final", "qa_sc_comment", ""]) {
      headRow.appendChild(el("th", {}, key ? t(key) : ""));
    }
    table.appendChild(el("thead")).appendChild(headRow);
    const body = el("tbody");
    for (const item of card.items) {
      const tr = el("tr", { "data-item": item.id, "class": "v-" + (item.final || "none") });
      const name = el("td", {}, item.title);
      if (item.critical) name.appendChild(el("span", { "class": "sc-critical" }, t("qa_sc_critical")));
      if (item.manual) name.appendChild(el("span", { "class": "muted" }, ` (${t("qa_sc_manual")})`));
      const notes = [item.auto_reason, ...item.findings.filter((f) => f.note).map((f) => f.note)];
      const autoCell = el("td", { "class": "auto v-" + (item.auto || "none"), title: notes.join("\n") }, label(item.auto));
      const finalCell = el("td", { "class": "final v-" + (item.final || "none") + (item.override ? " changed" : "") }, label(item.final));
      const commentCell = el("td", { "class": "sc-comment" });
      if (item.override) {
        commentCell.textContent = item.override.comment;
        commentCell.appendChild(el("div", { "class": "muted" },
          `${t("qa_sc_by")} ${item.override.author_name || item.override.author_id}, ${item.override.at.slice(0, 16).replace("T", " ")}`));
      }
      const actions = el("td");
      if (canEdit) {
        const edit = el("button", { type: "button", "class": "sc-edit" }, t("qa_sc_override"));
        edit.addEventListener("click", () => {
          const open = body.querySelector(`tr.sc-form-row[data-item="${CSS.escape(item.id)}"]`);
          if (open) open.remove(); else overrideForm(item, tr);
        });
        actions.appendChild(edit);
      }
      tr.append(name, el("td", {}, String(item.weight)), autoCell, finalCell, commentCell, actions);
      body.appendChild(tr);
    }
    table.appendChild(body);
    root.appendChild(table);
    root.appendChild(el("p", { "class": "muted hint" }, t("qa_sc_formula")));
    if (card.history.length) {
      const details = el("details", { id: "sc-history" });
      details.appendChild(el("summary", {}, `${t("qa_sc_history")} (${card.history.length})`));
      const list = el("ol");
      for (const h of card.history) {
        list.appendChild(el("li", {}, `${h.at.slice(0, 16).replace("T", " ")} · ${h.item}: ${label(h.value)} · ${h.author_name || h.author_id}: ${h.comment}`));
      }
      details.appendChild(list);
      root.appendChild(details);
    }
    if (canEdit) {
      const rescore = el("button", { type: "button", id: "sc-rescore" }, t("qa_sc_rescore"));
      rescore.addEventListener("click", () => call("POST", url));
      root.appendChild(rescore);
    }
  }

  async function load() {
    try {
      render(await HL.api("GET", withLang(url)));
    } catch (e) {
      if (e.status !== 404) { header(); error(e.message); return; }
      try {
        const me = await HL.api("GET", "/api/v1/me");
        canEdit = me.role === "qa" || me.role === "admin";
      } catch (_) { canEdit = false; }
      empty();
    }
  }

  load();
})();
