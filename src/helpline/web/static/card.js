"use strict";
// The customer card beside the conversation: verification, sections by level, actions.
// desk.js calls HLCard.show(contactId) when a conversation is selected.
window.HLCard = (() => {
  const T = window.T, $ = (id) => document.getElementById(id);
  let contactId = null, msisdn = null, card = null, tariffsLoaded = false, pukTimer = null;
  const money = (m) => (m / 100).toFixed(2) + " ₽";
  const levelName = (slug) => T["level_" + slug] || slug;

  function error(e) { $("card-error").textContent = e ? e.message : ""; $("card-error").hidden = !e; }
  function base() { return `/api/v1/desk/contacts/${contactId}`; }
  function withLine(body) { return msisdn ? Object.assign({ msisdn }, body) : body; }

  async function load() {
    if (!contactId) return;
    try {
      const q = msisdn ? `?msisdn=${encodeURIComponent(msisdn)}` : "";
      card = await HL.api("GET", `${base()}/card${q}`);
      error(null);
    } catch (e) { card = null; error(e); }
    render();
  }

  function kv(parent, label, value, id) {
    const row = HL.el("div", { class: "kv" });
    row.appendChild(HL.el("span", { class: "muted" }, label + ": "));
    row.appendChild(HL.el("strong", id ? { id } : {}, value));
    parent.appendChild(row);
  }

  function table(headers, rows) {
    const t = HL.el("table"), head = HL.el("tr");
    headers.forEach((h) => head.appendChild(HL.el("th", {}, h)));
    t.appendChild(head);
    rows.forEach((r) => { const tr = HL.el("tr"); r.forEach((v) => tr.appendChild(HL.el("td", {}, String(v ?? "")))); t.appendChild(tr); });
    return t;
  }

  function lineSummary(line) {
    const parts = [line.tariff_name, line.status + (line.block_reason ? ` (${line.block_reason})` : "")];
    if (line.money_minor !== undefined) parts.push(money(line.money_minor));
    if (line.packages) parts.push(line.packages.map((p) => `${p.amount} ${p.unit}`).join(", "));
    if (line.services && line.services.length) parts.push(line.services.join(", "));
    return parts.join(" · ");
  }

  function render() {
    $("card-not-found").hidden = !(card && !card.found);
    $("card-body").hidden = !(card && card.found);
    $("puk-box").hidden = true; $("block-confirm").hidden = true;
    if (!card || !card.found) return;
    const lvl = $("card-level");
    lvl.textContent = levelName(card.level); lvl.dataset.level = card.level;
    const holder = $("card-holder"); holder.textContent = "";
    kv(holder, T.card_holder, card.holder.full_name, "card-holder-name");
    kv(holder, T.card_document, card.holder.document_masked);
    kv(holder, T.card_line, card.msisdn, "card-line-msisdn");
    kv(holder, T.card_tariff, card.line.tariff_name);
    kv(holder, T.card_status, card.line.status + (card.line.block_reason ? ` (${card.line.block_reason})` : ""), "card-line-status");
    const sec = $("card-sections"); sec.textContent = "";
    if (card.line.money_minor !== undefined) {
      kv(sec, T.card_money, money(card.line.money_minor), "card-money");
      kv(sec, T.card_packages, card.line.packages.map((p) => `${p.amount} ${p.unit} (${p.source})`).join(", ") || "—");
      kv(sec, T.card_services, card.line.services.join(", ") || "—", "card-services");
    }
    if (card.lines_on_document) {
      const box = HL.el("div", { id: "card-lines", "data-count": card.lines_on_document.count });
      box.appendChild(HL.el("h3", {}, `${T.card_lines}: ${card.lines_on_document.count}`));
      if (card.lines_on_document.many) box.appendChild(HL.el("p", { class: "notice many-lines", id: "many-lines" }, T.card_many_lines));
      const ul = HL.el("ul", { class: "doc-lines" });
      for (const line of card.lines_on_document.lines) {
        const li = HL.el("li", { "data-msisdn": line.msisdn, class: line.msisdn === card.msisdn ? "current" : "" });
        li.appendChild(HL.el("strong", {}, line.msisdn + " "));
        li.appendChild(document.createTextNode(lineSummary(line) + " "));
        if (line.msisdn !== card.msisdn) {
          const open = HL.el("button", { type: "button", class: "secondary small" }, T.card_open);
          open.onclick = () => { msisdn = line.msisdn; load(); };
          li.appendChild(open);
        }
        ul.appendChild(li);
      }
      box.appendChild(ul); sec.appendChild(box);
    }
    if (card.ledger) {
      sec.appendChild(HL.el("h3", {}, T.card_ledger));
      sec.appendChild(table([T.time, "", "₽", ""], card.ledger.map((e) => [e.at.slice(0, 16).replace("T", " "), e.kind, (e.amount_minor / 100).toFixed(2), e.description])));
    }
    if (card.contracts) {
      sec.appendChild(HL.el("h3", {}, T.card_contracts));
      sec.appendChild(table(["№", "", T.card_status, "→"], card.contracts.map((c) => [c.number, c.kind, c.status, c.ends_on || ""])));
    }
    if ((card.findings && card.findings.length) || (card.debts && card.debts.length)) {
      const box = HL.el("div", { class: "notice", id: "card-findings" });
      box.appendChild(HL.el("strong", {}, T.card_debts));
      const ul = HL.el("ul");
      for (const f of card.findings || []) ul.appendChild(HL.el("li", { "data-kind": f.kind }, `${f.contract_number}: ${T["finding_" + f.kind] || f.kind}${f.amount_minor ? " — " + money(f.amount_minor) : ""}`));
      for (const d of card.debts || []) if (d.msisdn) ul.appendChild(HL.el("li", {}, `${d.msisdn}: ${T["debt_" + d.kind] || d.kind}`));
      box.appendChild(ul); sec.appendChild(box);
    }
    for (const [what, needed] of Object.entries(card.hidden)) {
      sec.appendChild(HL.el("p", { class: "muted hidden-section", "data-section": what }, `${what.replace("view_", "")}: ${T.card_hidden} «${levelName(needed)}»`));
    }
    const hints = [];
    document.querySelectorAll("#card-actions [data-action]").forEach((b) => {
      const action = b.dataset.action, ok = card.allowed[action];
      b.disabled = !ok;
      b.title = ok ? "" : `${T.needs_level}: ${levelName(card.required[action])}`;
      if (!ok) hints.push(`${b.textContent} — ${levelName(card.required[action])}`);
    });
    $("action-hint").textContent = hints.length ? `${T.needs_level}: ${hints.join("; ")}` : "";
    const svc = $("service-select");
    if (!svc.options.length) for (const [code, names] of Object.entries(card.catalogue.services)) svc.appendChild(HL.el("option", { value: code }, window.LANG === "ru" ? names[0] : names[1]));
    const cat = $("complaint-category");
    if (!cat.options.length) for (const [code, hours] of Object.entries(card.catalogue.complaint_sla_hours)) cat.appendChild(HL.el("option", { value: code }, `${code} (${hours} h)`));
    if (!tariffsLoaded) loadTariffs();
  }

  async function loadTariffs() {
    tariffsLoaded = true;
    try {
      for (const t of await HL.api("GET", "/api/v1/tariffs")) $("tariff-select").appendChild(HL.el("option", { value: t.code }, t.name));
    } catch (e) { tariffsLoaded = false; }
  }

  async function step(path, body) {
    try {
      const r = await HL.api("POST", `${base()}/verification/${path}`, withLine(body || {}));
      $("verify-result").textContent = T["outcome_" + r.outcome] || r.outcome;
      error(null);
    } catch (e) { error(e); }
    await load();
  }

  async function act(path, body, keyed) {
    const payload = withLine(Object.assign({ reason: $("action-reason").value.trim() }, body || {}));
    if (keyed) payload.idempotency_key = HL.uuid();
    try {
      const r = await HL.api("POST", `${base()}/actions/${path}`, payload);
      error(null);
      await load();
      $("action-result").textContent = `${T.done}: ${r.action} (#${r.audit_id})`;
      $("action-result").dataset.auditId = r.audit_id;
      return r;
    } catch (e) { error(e); await load(); return null; }
  }

  $("card-lookup").addEventListener("submit", (ev) => { ev.preventDefault(); msisdn = $("card-msisdn").value.trim() || null; load(); });
  $("verify-number").onclick = () => step("number");
  $("verify-document-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("document-number").value.trim(); $("document-number").value = "";
    if (v) step("document", { document_number: v });
  });
  $("send-code").onclick = () => step("code", { language: window.LANG });
  $("code-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("otp-code").value.trim(); $("otp-code").value = "";
    if (v) step("code/check", { code: v });
  });
  $("enable-service").onclick = () => act("enable-service", { service: $("service-select").value }, true);
  $("disable-service").onclick = () => act("disable-service", { service: $("service-select").value }, true);
  $("change-tariff").onclick = () => act("change-tariff", { tariff_code: $("tariff-select").value }, true);
  $("renew-package").onclick = () => act("renew-package", {}, true);
  $("unblock-line").onclick = () => act("unblock-line", {}, true);
  $("file-complaint").onclick = () => act("file-complaint", { category: $("complaint-category").value, description: $("complaint-text").value }, true);
  $("reveal-puk").onclick = async () => {
    const r = await act("reveal-puk", {}, false);
    if (!r) return;
    $("puk-value").textContent = r.puk; $("puk-box").hidden = false;  // shown once, gone on the next refresh
    clearTimeout(pukTimer);
    pukTimer = setTimeout(() => { $("puk-value").textContent = ""; $("puk-box").hidden = true; }, 60000);
  };
  $("block-line").onclick = () => { $("block-reason").value = $("action-reason").value; $("block-confirm").hidden = false; $("block-reason").focus(); };
  $("block-confirm-cancel").onclick = () => { $("block-confirm").hidden = true; };
  $("block-confirm-ok").onclick = () => {
    const reason = $("block-reason").value.trim();
    if (!reason) { $("block-reason").focus(); return; }
    act("block-line", { reason }, true);
  };

  return {
    show(id) { contactId = id; msisdn = null; card = null; $("card").hidden = false; $("card-msisdn").value = ""; $("verify-result").textContent = ""; $("action-result").textContent = ""; load(); },
    hide() { contactId = null; card = null; $("card").hidden = true; },
    reload: load,
  };
})();
