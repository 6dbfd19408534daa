"use strict";
// Customer chat: pre-chat form, then a WebSocket conversation that survives
// reconnects (hello{last_seq} replays what was missed) and never duplicates a
// message (each carries a client id; the server acknowledges only after storing).
(() => {
  const T = window.T, $ = (id) => document.getElementById(id);
  const store = sessionStorage;
  let conv = JSON.parse(store.getItem("hl_chat") || "null");
  let ws = null, lastSeq = 0, backoff = 500, ended = false, typingTimer = null, lastTyping = 0;
  const seen = new Set();
  const pending = new Map(JSON.parse(store.getItem("hl_pending") || "[]"));

  function savePending() { store.setItem("hl_pending", JSON.stringify([...pending])); }

  function render(msg, isPending) {
    const box = $("messages");
    const existing = box.querySelector(`[data-client-id="${CSS.escape(msg.client_msg_id)}"][data-sender="${msg.sender}"]`);
    const node = existing || HL.el("div", { class: "msg", "data-client-id": msg.client_msg_id, "data-sender": msg.sender });
    node.className = "msg" + (msg.sender === "customer" ? " mine" : "") + (isPending ? " pending" : "");
    if (msg.seq) node.dataset.seq = msg.seq;
    node.textContent = "";
    node.appendChild(HL.el("span", { class: "who" }, msg.sender === "customer" ? T.you : (conv.agentName || T.operator)));
    node.appendChild(document.createTextNode(msg.body));
    if (!existing) {
      const later = msg.seq ? [...box.children].find((x) => Number(x.dataset.seq) > msg.seq) : null;
      box.insertBefore(node, later || null);  // in sequence order, whatever the arrival order
    } else if (msg.seq) {
      const later = [...box.children].find((x) => x !== node && Number(x.dataset.seq) > msg.seq);
      if (later && node.compareDocumentPosition(later) & Node.DOCUMENT_POSITION_PRECEDING) box.insertBefore(node, later);
    }
    box.scrollTop = box.scrollHeight;
  }

  function onMessage(m) {
    if (seen.has(m.seq)) return;
    seen.add(m.seq);
    // the highest sequence below which nothing is missing: a message that overtook
    // another (two servers) must not make a reconnect skip the one still on its way
    while (seen.has(lastSeq + 1)) lastSeq += 1;
    if (m.sender === "customer") { pending.delete(m.client_msg_id); savePending(); }
    render(m, false);
    if (m.sender === "agent") $("typing").hidden = true;
  }

  function onState(s) {
    let text = "";
    if (s.agent_name) { conv.agentName = s.agent_name; text = `${T.operator}: ${s.agent_name}`; }
    if (s.state === "queued" || s.state === "offered") {
      text = s.position ? `${T.position}: ${s.position}` : "";
      if (s.estimated_wait_seconds !== null && s.estimated_wait_seconds !== undefined) {
        const min = Math.ceil(s.estimated_wait_seconds / 60);
        text += ` · ${T.wait}: ${s.estimated_wait_seconds < 60 ? T.under_minute : "~" + min + " " + T.minutes_short}`;
      }
    }
    $("offline-notice").hidden = !(s.offline_message && (s.state === "queued" || s.state === "offered"));
    if (["wrap_up", "closed", "abandoned"].includes(s.state)) {
      ended = true;
      text = T.chat_ended + (s.agent_name ? ` · ${T.operator}: ${s.agent_name}` : "");
      $("composer").hidden = true; $("leave").hidden = true;
      const answered = Boolean(s.agent_name);
      $("rating").hidden = !(answered && !s.rating);
      $("rated").hidden = !s.rating;
    }
    $("chat-status").textContent = text;
    $("chat-status").dataset.state = s.state;
  }

  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }

  function connect() {
    $("conn").textContent = T.reconnecting;
    ws = new WebSocket(HL.wsUrl(`/ws/chat/${conv.id}?token=${encodeURIComponent(conv.token)}`));
    ws.onopen = () => {
      backoff = 500; $("conn").textContent = "";
      send({ type: "hello", last_seq: lastSeq });
      for (const [id, body] of pending) send({ type: "message", client_msg_id: id, body });
    };
    ws.onmessage = (ev) => {
      const f = JSON.parse(ev.data);
      if (f.type === "message") onMessage(f);
      else if (f.type === "ack") { pending.delete(f.client_msg_id); savePending(); }
      else if (f.type === "state") onState(f);
      else if (f.type === "typing") { $("typing").hidden = false; $("typing").textContent = `${conv.agentName || T.operator} ${T.typing}`; clearTimeout(typingTimer); typingTimer = setTimeout(() => { $("typing").hidden = true; }, 4000); }
      else if (f.type === "error") { if (f.client_msg_id) { pending.delete(f.client_msg_id); savePending(); } $("conn").textContent = f.message; }
    };
    ws.onclose = (ev) => {
      ws = null;
      if (ev.code === 4401) { store.removeItem("hl_chat"); location.reload(); return; }
      $("conn").textContent = T.reconnecting;
      setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 8000);
    };
  }

  function open() {
    $("prechat").hidden = true; $("conversation").hidden = false;
    for (const [id, body] of pending) render({ client_msg_id: id, body, sender: "customer" }, true);
    connect();
  }

  $("prechat").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    $("pc-error").hidden = true;
    try {
      const started = await HL.api("POST", "/api/v1/chats", Object.fromEntries(form));
      conv = { id: started.contact_id, token: started.token };
      store.setItem("hl_chat", JSON.stringify(conv));
      open();
    } catch (e) { $("pc-error").textContent = e.message; $("pc-error").hidden = false; }
  });

  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = $("message-input").value.trim();
    if (!body || ended) return;
    const id = HL.uuid();
    pending.set(id, body); savePending();
    render({ client_msg_id: id, body, sender: "customer" }, true);
    send({ type: "message", client_msg_id: id, body });
    $("message-input").value = "";
  });

  $("message-input").addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
  });
  $("leave").addEventListener("click", () => send({ type: "leave" }));
  document.querySelectorAll(".star").forEach((b) => b.addEventListener("click", () => send({ type: "rate", score: Number(b.dataset.score) })));

  // Test hook: drop the socket as a network failure would.
  window.HL_CHAT = { dropConnection() { if (ws) ws.close(); }, get lastSeq() { return lastSeq; } };
  if (conv) open();
})();
