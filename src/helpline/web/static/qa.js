"use strict";
// The QA page: phrase search, the analysed contacts and, with ?contact=…, one contact's
// findings and transcript (failed rules marked on the utterances they quote). The
// timeline picture is drawn by the server into #qa-timeline.
(() => {
  const $ = (id) => document.getElementById(id);
  const T = window.T;
  const contactLink = (ref, seq) =>
    "/qa?contact=" + encodeURIComponent(ref) + (seq === undefined ? "" : "#u-" + seq);
  const fmt = (s) => (s === null || s === undefined) ? "–" : HL.fmtSeconds(s);
  // titles and messages come from the API in the page's language (?lang=); a finding
  // without a title falls back to the page's strings, then to its rule id
  const ruleTitle = (f) => f.title || T["qa_rule_" + f.rule] || f.rule;
  const lang = window.LANG === "en" ? "en" : "ru";
  const when = (iso) => new Date(iso).toLocaleString(window.LANG === "en" ? "en-GB" : "ru-RU",
    { dateStyle: "short", timeStyle: "short" });

  // -- search --------------------------------------------------------------------------
  async function search(ev) {
    ev.preventDefault();
    const q = $("qa-q").value.trim();
    if (!q) return;
    const list = $("qa-hits");
    try {
      const res = await HL.api("GET", "/api/v1/qa/search?" + new URLSearchParams({ q, limit: "50" }));
      list.textContent = "";
      for (const hit of res.hits) {
        const li = HL.el("li", { "class": "hit", "data-contact": hit.contact, "data-utterance": hit.utterance });
        const a = HL.el("a", { href: contactLink(hit.contact, hit.utterance), "class": "hit-link" }, hit.contact);
        li.appendChild(a);
        li.appendChild(HL.el("span", { "class": "muted" },
          ` ${T["qa_speaker_" + hit.speaker] || hit.speaker} ${fmt(hit.start)} · ${when(hit.started_at)} `));
        const snippet = HL.el("div", { "class": "snippet" });
        snippet.innerHTML = hit.snippet_html; // escaped by the server, matches in <mark>
        li.appendChild(snippet);
        list.appendChild(li);
      }
      $("qa-search-summary").textContent = res.hits.length
        ? `${res.hits.length}${res.more ? "+" : ""} ${T.qa_hits}: ${res.parsed}` : T.qa_no_hits;
      $("qa-search-summary").hidden = false;
      $("qa-search-error").hidden = true;
    } catch (e) {
      $("qa-search-error").textContent = e.message;
      $("qa-search-error").hidden = false;
    }
  }

  // -- the list of analysed contacts ---------------------------------------------------
  async function loadContacts(ev) {
    if (ev) ev.preventDefault();
    const q = new URLSearchParams({ limit: "100" });
    for (const [id, key] of [["qa-f-agent", "agent"], ["qa-f-rule", "rule"], ["qa-f-since", "since"], ["qa-f-until", "until"]]) {
      const v = $(id).value.trim(); if (v) q.set(key, v);
    }
    try {
      const res = await HL.api("GET", "/api/v1/qa/contacts?" + q.toString());
      const body = document.querySelector("#qa-contacts tbody");
      body.textContent = "";
      for (const c of res.contacts) {
        const tr = HL.el("tr", { "data-contact": c.contact, "class": c.passed ? "passed" : "failed" });
        const first = HL.el("td");
        first.appendChild(HL.el("a", { href: contactLink(c.contact), "class": "contact-link" }, c.contact));
        tr.appendChild(first);
        tr.appendChild(HL.el("td", {}, when(c.started_at)));
        tr.appendChild(HL.el("td", {}, T["qa_channel_" + c.channel] || c.channel));
        tr.appendChild(HL.el("td", {}, c.agent_name || c.agent_id || "–"));
        tr.appendChild(HL.el("td", {}, fmt(c.duration)));
        tr.appendChild(HL.el("td", { "class": "result" }, c.passed ? T.qa_passed
          : `${T.qa_failed}: ${c.failed} (${c.failed_rules.join(", ")})`));
        body.appendChild(tr);
      }
      $("qa-contacts-empty").hidden = res.contacts.length > 0;
      $("qa-contacts-error").hidden = true;
    } catch (e) {
      $("qa-contacts-error").textContent = e.message;
      $("qa-contacts-error").hidden = false;
    }
  }

  // -- one contact -----------------------------------------------------------------------
  function markedText(text, marks) {
    // text with the matched words of failed findings in <mark>, built from text nodes
    const spans = [];
    for (const m of marks) {
      if (!m.matched) continue;
      const at = text.indexOf(m.matched);
      if (at >= 0) spans.push([at, at + m.matched.length, m.tip]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (const [a, b, tip] of spans) {
      if (a < pos) continue;
      frag.appendChild(document.createTextNode(text.slice(pos, a)));
      frag.appendChild(HL.el("mark", { "class": "failed-match", title: tip }, text.slice(a, b)));
      pos = b;
    }
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  function renderFindings(findings) {
    const body = document.querySelector("#qa-findings tbody");
    body.textContent = "";
    for (const f of findings) {
      const state = !f.applicable ? "na" : (f.passed ? "ok" : "fail");
      const tr = HL.el("tr", { "class": "finding " + state, "data-rule": f.rule });
      tr.appendChild(HL.el("td", {}, `${fmt(f.start)}–${fmt(f.end)}`));
      tr.appendChild(HL.el("td", { "class": "title", title: f.rule }, ruleTitle(f)));
      tr.appendChild(HL.el("td", {}, T["qa_source_" + f.source] || f.source));
      tr.appendChild(HL.el("td", { "class": "state" }, T["qa_" + state]));
      tr.appendChild(HL.el("td", { "class": "message", "data-message-key": f.message_key || "" }, f.message));
      const quoted = f.evidence.find((e) => e.utterance !== null && e.utterance !== undefined);
      if (quoted) {
        tr.classList.add("linked");
        tr.addEventListener("click", () => {
          const li = document.getElementById("u-" + quoted.utterance);
          if (li) li.scrollIntoView({ behavior: "smooth", block: "center" });
        });
      }
      body.appendChild(tr);
    }
  }

  function renderTranscript(transcript, findings) {
    const list = $("qa-transcript");
    list.textContent = "";
    if (!transcript) {
      $("qa-redaction-note").textContent = T.qa_no_transcript;
      return;
    }
    $("qa-redaction-note").textContent = transcript.revealed ? T.qa_revealed_note
      : (transcript.redacted ? T.qa_redacted_note : "");
    // failed findings per utterance they quote
    const byUtterance = new Map();
    for (const f of findings) {
      if (f.passed) continue;
      for (const e of f.evidence) {
        if (e.utterance === null || e.utterance === undefined) continue;
        const tip = `${ruleTitle(f)}: ${f.message}` + (e.matched ? ` — «${e.matched}»` : "");
        if (!byUtterance.has(e.utterance)) byUtterance.set(e.utterance, []);
        byUtterance.get(e.utterance).push({ rule: f.rule, title: ruleTitle(f), tip, matched: e.matched });
        // a quote with matched words is what broke the rule; without, it is where the
        // rule looked and found nothing (drawn lighter)
      }
    }
    for (const u of transcript.utterances) {
      const marks = byUtterance.get(u.seq) || [];
      const li = HL.el("li", { id: "u-" + u.seq, "class": "utterance " + u.speaker, "data-seq": u.seq });
      const head = HL.el("div", { "class": "who" },
        `${T["qa_speaker_" + u.speaker] || u.speaker} · ${fmt(u.start)}`);
      li.appendChild(head);
      li.appendChild(HL.el("div", { "class": "text" })).appendChild(markedText(u.text, marks));
      if (marks.length) {
        li.classList.add("failed");
        li.setAttribute("data-rules", [...new Set(marks.map((m) => m.rule))].join(" "));
        const badges = HL.el("div", { "class": "badges" });
        const strong = new Set(marks.filter((m) => m.matched).map((m) => m.rule));
        const seen = new Set();
        for (const m of marks) {
          if (seen.has(m.rule)) continue;
          seen.add(m.rule);
          const kind = strong.has(m.rule) ? "matched" : "scope";
          badges.appendChild(HL.el("span", { "class": "finding-badge " + kind, "data-rule": m.rule, title: m.tip }, m.title));
        }
        li.appendChild(badges);
      }
      list.appendChild(li);
    }
    if (location.hash) {
      const target = document.getElementById(location.hash.slice(1));
      if (target) { target.classList.add("target"); target.scrollIntoView({ block: "center" }); }
    }
  }

  async function loadContact(ref) {
    try {
      const c = await HL.api("GET", "/api/v1/qa/contacts/" + encodeURIComponent(ref) +
        "?" + new URLSearchParams({ lang }));
      const who = c.agent_name || c.agent_id || "–";
      $("qa-contact-meta").textContent = [when(c.started_at), T["qa_channel_" + c.channel] || c.channel,
        `${T.operator}: ${who}`, `${T.qa_duration}: ${fmt(c.duration)}`,
        c.recording || "", c.passed ? T.qa_passed : `${T.qa_failed}: ${c.failed}`].filter(Boolean).join(" · ");
      renderFindings(c.findings);
      const notes = $("qa-notes");
      notes.textContent = "";
      for (const n of c.notes) notes.appendChild(HL.el("li", {}, n));
      renderTranscript(c.transcript, c.findings);
    } catch (e) {
      $("qa-contact-meta").textContent = e.message;
    }
  }

  $("qa-search-form").addEventListener("submit", search);
  $("qa-filter").addEventListener("submit", loadContacts);
  loadContacts();
  const section = $("qa-contact");
  if (section && $("qa-transcript")) loadContact(section.dataset.contactId);
})();
