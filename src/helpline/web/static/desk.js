"use strict";
// Agent desk: status, offers with a countdown, up to the chat capacity at once,
// replies with canned texts, hold/resume ("on hold since HH:MM:SS"), transfer, wrap-up with
// a reason, close.
(() => {
  const T = window.T, ME = window.ME, $ = (id) => document.getElementById(id);
  let contacts = [], selected = null, lastSeq = {}, ws = null, backoff = 500, typingTimer = null, lastTyping = 0;
  const seen = {};

  const pad = (n) => String(n).padStart(2, "0");
  function clockTime(iso) { const d = new Date(iso); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; }

  function showError(e) { $("pane-error").textContent = e ? e.message : ""; $("pane-error").hidden = !e; }

  async function loadContacts() {
    contacts = await HL.api("GET", "/api/v1/contacts");
    renderList();
    if (selected) {
      const c = contacts.find((x) => x.id === selected);
      if (!c) { selected = null; $("pane").hidden = true; if (window.HLCard) HLCard.hide(); } else renderPane(c);
    }
  }

  function renderList() {
    const ul = $("contacts"); ul.textContent = "";
    $("no-contacts").hidden = contacts.length > 0;
    for (const c of contacts) {
      const li = HL.el("li", { class: c.state + (c.id === selected ? " selected" : ""), "data-contact-id": c.id, "data-state": c.state });
      li.appendChild(HL.el("strong", {}, c.customer_name));
      li.appendChild(HL.el("span", { class: "badge" }, ` ${c.queue_id} · ${c.attributes.language || ""} · ${c.state}`));
      if (c.held_since) { li.dataset.held = "1"; li.appendChild(HL.el("span", { class: "badge on-hold" }, T.on_hold)); }
      if (c.state === "offered" && c.agent_id === ME.id) {
        const left = HL.el("div", { class: "countdown", "data-expires": c.offer_expires_at });
        li.appendChild(left);
        const buttons = HL.el("div", { class: "buttons" });
        const acc = HL.el("button", { class: "accept" }, T.accept);
        const dec = HL.el("button", { class: "secondary decline" }, T.decline);
        acc.onclick = (ev) => { ev.stopPropagation(); act(c.id, "accept").then(() => select(c.id)); };
        dec.onclick = (ev) => { ev.stopPropagation(); act(c.id, "decline"); };
        buttons.append(acc, dec); li.appendChild(buttons);
      } else {
        li.onclick = () => select(c.id);
      }
      ul.appendChild(li);
    }
    tickCountdowns();
  }

  function tickCountdowns() {
    document.querySelectorAll(".countdown").forEach((n) => {
      const left = (new Date(n.dataset.expires) - Date.now()) / 1000;
      n.textContent = `${T.incoming}: ${Math.max(0, Math.ceil(left))} ${T.seconds_left}`;
    });
  }
  setInterval(tickCountdowns, 500);

  async function act(id, action, body) {
    try { showError(null); await HL.api("POST", `/api/v1/contacts/${id}/${action}`, body || {}); }
    catch (e) { showError(e); }
    await loadContacts();
  }

  function renderPane(c) {
    $("pane").hidden = false;
    $("pane-title").textContent = `${c.customer_name} · ${c.customer_phone}`;
    $("pane-state").textContent = c.state;
    $("pane").dataset.state = c.state;
    const mine = c.agent_id === ME.id;
    $("composer").hidden = !(c.state === "active" && mine);
    $("wrapup").disabled = !(c.state === "active" && mine);
    $("close").disabled = !(["active", "wrap_up"].includes(c.state) && mine);
    $("transfer").disabled = !(c.state === "active" && mine);
    const held = Boolean(c.held_since);
    $("pane-hold").hidden = !held;
    $("pane-hold").textContent = held ? `${T.on_hold_since} ${clockTime(c.held_since)}` : "";
    $("hold-row").hidden = !(c.state === "active" && mine);
    $("hold").hidden = held; $("hold-reason").hidden = held; $("resume").hidden = !held;
  }

  async function select(id) {
    if (selected !== id) {
      selected = id; $("messages").textContent = ""; lastSeq[id] = 0; seen[id] = new Set();
      if (window.HLCard) HLCard.show(id);  // the customer card beside the conversation
    }
    renderList();
    const c = contacts.find((x) => x.id === id);
    if (c) renderPane(c);
    await fetchMessages(id);
  }

  async function fetchMessages(id) {
    const list = await HL.api("GET", `/api/v1/contacts/${id}/messages?after=${lastSeq[id] || 0}`);
    list.forEach((m) => addMessage(m));
  }

  function addMessage(m) {
    if (m.contact_id !== selected) return;
    seen[selected] = seen[selected] || new Set();
    if (seen[selected].has(m.seq)) return;
    seen[selected].add(m.seq);
    // the highest sequence below which nothing is missing: a message that overtook
    // another (two servers) must not make a reconnect skip the one still on its way
    let upTo = lastSeq[selected] || 0;
    while (seen[selected].has(upTo + 1)) upTo += 1;
    lastSeq[selected] = upTo;
    const c = contacts.find((x) => x.id === selected);
    const node = HL.el("div", { class: "msg" + (m.sender === "agent" ? " mine" : ""), "data-seq": m.seq });
    node.appendChild(HL.el("span", { class: "who" }, m.sender === "agent" ? T.you : (c ? c.customer_name : T.customer)));
    node.appendChild(document.createTextNode(m.body));
    const box = $("messages");
    const after = [...box.children].find((x) => Number(x.dataset.seq) > m.seq);
    box.insertBefore(node, after || null);
    box.scrollTop = box.scrollHeight;
    if (m.sender === "customer") $("typing").hidden = true;
  }

  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = $("message-input").value.trim();
    if (!body || !selected) return;
    const id = selected, clientId = HL.uuid();
    $("message-input").value = "";
    for (let attempt = 0; attempt < 3; attempt++) {  // same client id: retries never duplicate
      try { addMessage(await HL.api("POST", `/api/v1/contacts/${id}/messages`, { client_msg_id: clientId, body })); showError(null); return; }
      catch (e) { showError(e); if (e.status && e.status < 500) return; }
    }
  });
  $("message-input").addEventListener("input", () => {
    const now = Date.now();
    if (selected && now - lastTyping > 2000) { lastTyping = now; HL.api("POST", `/api/v1/contacts/${selected}/typing`).catch(() => {}); }
  });
  $("canned").addEventListener("change", (ev) => { if (ev.target.value) { $("message-input").value = ev.target.value; ev.target.value = ""; $("message-input").focus(); } });
  $("hold").onclick = () => { const reason = $("hold-reason").value.trim(); $("hold-reason").value = ""; act(selected, "hold", reason ? { reason } : {}); };
  $("resume").onclick = () => act(selected, "resume");
  $("wrapup").onclick = () => act(selected, "wrap-up", { code: $("wrapup-code").value || null });
  $("close").onclick = () => act(selected, "close", { code: $("wrapup-code").value || null });
  $("transfer").onclick = () => {
    const q = $("transfer-queue").value, a = $("transfer-agent").value;
    if (!q && !a) return;
    act(selected, "transfer", q ? { queue_id: q } : { agent_id: a });
  };
  $("status").addEventListener("change", async (ev) => {
    try { await HL.api("PUT", "/api/v1/agents/me/status", { status: ev.target.value }); showError(null); }
    catch (e) { showError(e); }
    await loadContacts();
  });

  function connect() {
    ws = new WebSocket(HL.wsUrl("/ws/desk"));
    ws.onopen = () => { backoff = 500; $("conn").textContent = ""; loadContacts(); if (selected) fetchMessages(selected); };
    ws.onmessage = (ev) => {
      const f = JSON.parse(ev.data);
      if (f.type === "message") addMessage(f);
      else if (f.type === "typing") { if (f.contact_id === selected && f.sender === "customer") { $("typing").hidden = false; $("typing").textContent = `${T.customer} ${T.typing}`; clearTimeout(typingTimer); typingTimer = setTimeout(() => { $("typing").hidden = true; }, 4000); } }
      else if (f.type === "agent_status_changed") { $("status").value = f.data.to; loadContacts(); }
      else loadContacts();
    };
    ws.onclose = () => { $("conn").textContent = T.reconnecting; setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 8000); };
  }

  async function init() {
    const [me, queues, agents, codes, canned] = await Promise.all([
      HL.api("GET", "/api/v1/me"), HL.api("GET", "/api/v1/queues"), HL.api("GET", "/api/v1/agents"),
      HL.api("GET", "/api/v1/wrapup-codes"), HL.api("GET", "/api/v1/canned-replies"),
    ]);
    const board = agents.find((a) => a.id === me.id);
    if (board) $("status").value = board.status;
    for (const q of queues) $("transfer-queue").appendChild(HL.el("option", { value: q.id }, window.LANG === "ru" ? q.name_ru : q.name));
    for (const a of agents) if (a.id !== me.id && ["agent", "senior", "supervisor"].includes(a.role)) $("transfer-agent").appendChild(HL.el("option", { value: a.id }, a.name));
    for (const c of codes) $("wrapup-code").appendChild(HL.el("option", { value: c }, c));
    for (const r of canned) $("canned").appendChild(HL.el("option", { value: r.body }, `[${r.language}] ${r.title}`));
    connect();
  }
  init();
})();
