// Jaga classroom chat. No framework, no outside requests, no inline script (CSP).
// Text from the server is always set with textContent, never as HTML.
"use strict";

(() => {
  // Every label comes from the server: bot/web/page.py writes the message catalogue's page_*
  // texts for all four languages into the page (#jaga-texts, a JSON data block, never run), with
  // the helpline numbers filled in from the referral directory. This file holds no text.
  const DATA = (() => {
    try {
      return JSON.parse(document.getElementById("jaga-texts").textContent) || {};
    } catch (e) {
      return {};
    }
  })();
  const UI = DATA.langs || {};

  const MAX_CHARS = 4000;
  const $ = (id) => document.getElementById(id);
  const store = (() => {
    try {
      const k = "__jaga";
      window.sessionStorage.setItem(k, k);
      window.sessionStorage.removeItem(k);
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  })();

  const state = {
    lang: "en",
    session: "",
    busy: false,
    scenarios: [],
    scenario: null, // {id, shown}
    quiz: null,
    run: null, // {order, pos, score, answered}
    parentsLoaded: null,
    lastReply: null, // the first bubble of Jaga's latest reply
  };

  // ------------------------------------------------------------------ helpers

  // A label; `{name}` in it is filled in from `fields` ("Step {i} of {n}").
  function t(key, fields) {
    const texts = UI[state.lang] || UI.en || {};
    const v = key in texts ? texts[key] : (UI.en || {})[key];
    if (typeof v !== "string" || !fields) return v;
    return v.replace(/\{(\w+)\}/g, (m, name) => (name in fields ? String(fields[name]) : m));
  }

  // Does a text give this number (not as part of a longer one)?
  function givesNumber(text, number) {
    const digits = String(number || "").replace(/\D/g, "");
    return Boolean(digits) && new RegExp(`(^|\\D)${digits}(?!\\d)`).test(text);
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "className") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : v);
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // "Call **the number**" -> text with <b> parts, built from DOM nodes (never parsed as HTML).
  function setRich(node, text) {
    node.replaceChildren();
    String(text).split("**").forEach((part, i) => {
      if (part) node.append(i % 2 ? el("b", null, part) : document.createTextNode(part));
    });
  }

  // The emoji Jaga's texts use, drawn as inline SVG: a school PC without a colour-emoji font
  // shows an empty box for them (tests/web/test_icons.py checks every emoji in the texts the
  // page shows is here). [name in UI.icons, shapes]; colours by class in app.css (.icon).
  const face = (...parts) => [["circle", { class: "face", cx: 12, cy: 12, r: 10 }], ...parts];
  const smilingEyes = ["path", { class: "ink-line", d: "M7 10q1.5-2 3 0M14 10q1.5-2 3 0" }];
  const openMouth = ["path", { class: "ink", d: "M7 13.5h10a5 5 0 0 1-10 0z" }];
  const dot = (x, y) => ["circle", { class: "ink", cx: x, cy: y, r: 1.4 }];
  const heart = (x, y) => ["path", { class: "red", d: `M${x} ${y + 2.4}l-2.5-2.6a1.5 1.5 0 0 1 2.5-1.9 1.5 1.5 0 0 1 2.5 1.9z` }];
  const ICONS = {
    "🔒": ["lock", [["rect", { class: "fill", x: 5, y: 11, width: 14, height: 10, rx: 2 }], ["path", { class: "line", d: "M8 11V7.5a4 4 0 0 1 8 0V11" }]]],
    "😂": ["joy", face(smilingEyes, openMouth, ["path", { class: "tear", d: "M3.6 11q-2.2 3.2 0 4.8 2.2-1.6 0-4.8zM20.4 11q-2.2 3.2 0 4.8 2.2-1.6 0-4.8z" }])],
    "😄": ["grin", face(smilingEyes, openMouth)],
    "😉": ["wink", face(dot(8.5, 9.5), ["path", { class: "ink-line", d: "M14 9.5h3.5M7.5 14q4.5 4.5 9 0" }])],
    "😍": ["hearts", face(heart(8.5, 8.2), heart(15.5, 8.2), openMouth)],
    "😨": ["fear", face(["path", { class: "ink-line", d: "M6.5 7.2l3-1.2M17.5 7.2l-3-1.2" }], dot(8.5, 10), dot(15.5, 10), ["ellipse", { class: "ink", cx: 12, cy: 16, rx: 2.5, ry: 3 }])],
    "🎁": ["gift", [["rect", { class: "red", x: 4.5, y: 12, width: 15, height: 9 }], ["rect", { class: "red", x: 3, y: 8.5, width: 18, height: 4, rx: 1 }], ["path", { class: "ribbon", d: "M12 8.5V21M4.5 12.5h15" }], ["path", { class: "red-line", d: "M12 8.5C10 4.5 6.5 4.5 7.5 7S12 8.5 12 8.5C14 4.5 17.5 4.5 16.5 7S12 8.5 12 8.5z" }]]],
    "🫂": ["hug", [["circle", { class: "fill", cx: 8.5, cy: 6.5, r: 3 }], ["circle", { class: "fill", cx: 15.5, cy: 6.5, r: 3 }], ["path", { class: "fill", d: "M2.5 21v-2a6 6 0 0 1 9.5-4.9 6 6 0 0 1 9.5 4.9v2z" }]]],
  };
  const EXTERNAL = ["external", [["path", { class: "line", d: "M8 16 16 8M10 8h6v6" }]]];
  const ICON_RE = new RegExp(`(?:${Object.keys(ICONS).join("|")})\\uFE0F?`, "gu");

  // An <svg> icon, or null if the page has no SVG to take the namespace from (the header's
  // logo; written here as a URL it would read as one more address to source).
  function icon([name, shapes]) {
    const logo = document.querySelector("svg");
    if (!logo) return null;
    const ns = logo.namespaceURI;
    const svg = document.createElementNS(ns, "svg");
    const attrs = { class: "icon", viewBox: "0 0 24 24", role: "img", "aria-label": (t("icons") || {})[name] || name, focusable: "false" };
    for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, String(v));
    for (const [tag, props] of shapes) {
      const shape = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(props)) shape.setAttribute(k, String(v));
      svg.append(shape);
    }
    return svg;
  }

  // Plain text with the emoji above drawn as icons.
  function withIcons(text) {
    const frag = document.createDocumentFragment();
    const s = String(text);
    let last = 0;
    for (const m of s.matchAll(ICON_RE)) {
      const drawn = icon(ICONS[m[0].replace("\uFE0F", "")]);
      frag.append(document.createTextNode(s.slice(last, m.index)), drawn || m[0]);
      last = m.index + m[0].length;
    }
    frag.append(document.createTextNode(s.slice(last)));
    return frag;
  }

  // Web addresses, then e-mail addresses (a mailto: link, never their bare domain), then
  // bare domains such as takeitdown.ncmec.org.
  const LINK_RE = /(https?:\/\/[^\s<>"')]+|[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:gov\.my|org\.my|com\.my|org|my)\b(?:\/[^\s<>"')]*)?)/gi;

  // Plain text with links made clickable (new tab, rel=noopener) and emoji drawn as icons.
  function linkified(text) {
    const frag = document.createDocumentFragment();
    const s = String(text);
    let last = 0;
    s.replace(LINK_RE, (match, _g, offset) => {
      const url = match.replace(/[.,;:!?]+$/, "");
      frag.append(withIcons(s.slice(last, offset)));
      if (url.includes("@") && !/^https?:\/\//i.test(url)) {
        frag.append(el("a", { href: `mailto:${url}` }, url));
      } else {
        const href = /^https?:\/\//i.test(url) ? url : `https://${url}`;
        frag.append(el("a", { href, target: "_blank", rel: "noopener noreferrer" }, url));
      }
      last = offset + url.length;
      return match;
    });
    frag.append(withIcons(s.slice(last)));
    return frag;
  }

  function sourceNote(sources) {
    if (!sources || !sources.length) return null;
    const text = sources.map((s) => s.replace(/^facts\.md\s*/, "")).join("; ");
    return el("small", { className: "source" }, `${t("source")} ${text}`);
  }

  function newSessionId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    const b64 = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    return `web:${b64}`;
  }

  async function api(path, body) {
    const opts = body === undefined
      ? { method: "GET", headers: { Accept: "application/json" } }
      : {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
        };
    opts.cache = "no-store";
    opts.credentials = "same-origin";
    const res = await fetch(path, opts);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const err = new Error((data && data.error) || `HTTP ${res.status}`);
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  // ------------------------------------------------------------------ language

  function applyLanguage() {
    document.documentElement.lang = state.lang === "zh" ? "zh-Hans" : state.lang;
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      const v = t(node.dataset.i18n);
      if (typeof v === "string") setRich(node, v);
    });
    document.querySelectorAll("[data-i18n-label]").forEach((node) => {
      node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
      node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
    });
    document.querySelectorAll(".lang [data-lang]").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    });
    renderTopics();
  }

  async function setLanguage(lang) {
    if (!UI[lang] || lang === state.lang) return;
    state.lang = lang;
    if (store) store.setItem("jaga.lang", lang);
    applyLanguage();
    if (!$("panel-chat").classList.contains("started")) {
      $("log").replaceChildren(); // nothing said yet: greet in the new language
      addMessage("bot", t("welcome"));
    }
    await Promise.all([loadScenarios(), loadQuiz(), loadParents()]);
  }

  // ------------------------------------------------------------------ tabs

  const TABS = ["chat", "scenarios", "quiz", "parents"];

  function selectTab(name, focus) {
    TABS.forEach((n) => {
      const tab = $(`tab-${n}`);
      const on = n === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $(`panel-${n}`).hidden = !on;
    });
    if (focus) $(`tab-${name}`).focus();
    if (name === "chat") showLatest();
  }

  function setupTabs() {
    TABS.forEach((n, i) => {
      const tab = $(`tab-${n}`);
      tab.addEventListener("click", () => selectTab(n, false));
      tab.addEventListener("keydown", (e) => {
        let j = null;
        if (e.key === "ArrowRight") j = (i + 1) % TABS.length;
        else if (e.key === "ArrowLeft") j = (i + TABS.length - 1) % TABS.length;
        else if (e.key === "Home") j = 0;
        else if (e.key === "End") j = TABS.length - 1;
        if (j !== null) {
          e.preventDefault();
          selectTab(TABS[j], true);
        }
      });
    });
  }

  // ------------------------------------------------------------------ chat

  function scrollLog() {
    const log = $("log");
    log.scrollTop = log.scrollHeight;
  }

  // A reply is read from its start: the first bubble (where a crisis reply puts the
  // helplines) goes to the top of the conversation, not the last one to the bottom.
  function showReply(node) {
    const log = $("log");
    if (!node || !node.isConnected) return scrollLog();
    const top = node.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop = Math.max(0, log.scrollTop + top - 8);
  }

  function showLatest() {
    if (state.lastReply && state.lastReply.isConnected) showReply(state.lastReply);
    else scrollLog();
  }

  function addMessage(kind, text, buttons) {
    const who = kind === "user" ? t("you") : t("jaga");
    const bubble = el("div", { className: "bubble" });
    if (kind === "user") bubble.append(withIcons(text));
    else bubble.append(linkified(text));
    const node = el("div", { className: `msg ${kind}` }, el("p", { className: "who" }, who), bubble);
    if (buttons && buttons.length) {
      const row = el("div", { className: "reply-buttons" });
      for (const b of buttons) {
        if (b.url) {
          if (!/^(https?:|tel:|mailto:)/i.test(b.url)) continue;
          row.append(el("a", { href: b.url, target: "_blank", rel: "noopener noreferrer" }, b.title, icon(EXTERNAL) || ""));
        } else if (b.payload) {
          row.append(el("button", { type: "button", onclick: () => send(b.payload, b.title) }, b.title));
        }
      }
      if (row.childNodes.length) node.append(row);
    }
    $("log").append(node);
    scrollLog();
    return node;
  }

  function renderTopics() {
    const box = $("topics");
    box.replaceChildren();
    for (const [title, payload] of t("topics") || []) {
      box.append(el("button", { type: "button", onclick: () => send(payload, title) }, title));
    }
  }

  async function send(text, shown) {
    if (state.busy) return;
    const message = String(text || "");
    if (!message.trim()) return;
    if (/^\/(forget|padam)$/i.test(message.trim())) {
      $("forget").click(); // the privacy card's /forget works here too
      return;
    }
    selectTab("chat", false);
    $("panel-chat").classList.add("started");
    addMessage("user", shown || message);
    if (message.length > MAX_CHARS) {
      addMessage("bot note", t("too_long"));
      return;
    }
    state.busy = true;
    $("send").disabled = true;
    $("log").setAttribute("aria-busy", "true");
    const typing = el("div", { className: "msg bot typing", "aria-hidden": "true" }, el("div", { className: "bubble" }, t("typing")));
    $("log").append(typing);
    scrollLog();
    try {
      const turn = await api("/api/message", { session: state.session, text: message, lang: state.lang });
      typing.remove();
      // Jaga answers in the language the child writes in; the page follows, so the next
      // message or button press stays in it (and the labels are in it too).
      if (turn.lang && UI[turn.lang] && turn.lang !== state.lang) setLanguage(turn.lang);
      const replies = turn.replies && turn.replies.length ? turn.replies : [{ text: turn.text, buttons: [] }];
      const nodes = replies.map((r) => addMessage("bot", r.text || "", r.buttons || []));
      state.lastReply = nodes[0];
      // On a touch screen the keyboard would cover help: close it when the reply starts with
      // the emergency number (a crisis or disclosure reply, the check-in, the safe fallback).
      // The bracketed "not translated yet" line also names it but is not a reason to close it.
      const first = replies[0].text || "";
      const touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
      const helpFirst = givesNumber(first, DATA.help_first) && !/^[(（][^]*[)）]$/.test(first.trim());
      if (touch && helpFirst && document.activeElement === $("msg")) $("msg").blur();
      showReply(nodes[0]);
    } catch (err) {
      typing.remove();
      const msg = err.data && err.data.message ? err.data.message : t("offline");
      state.lastReply = addMessage("bot note", msg);
      showReply(state.lastReply);
    } finally {
      state.busy = false;
      $("send").disabled = false;
      $("log").removeAttribute("aria-busy");
    }
  }

  function setupChat() {
    const box = $("msg");
    const grow = () => {
      if (!box.value) {
        box.style.height = "";
        return;
      }
      box.style.height = "auto";
      box.style.height = `${Math.min(box.scrollHeight + 4, 240)}px`;
    };
    box.addEventListener("input", grow);
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      if (state.busy) return;
      const text = box.value;
      if (!text.trim()) return;
      box.value = "";
      grow();
      send(text);
      box.focus();
    });
    $("forget").addEventListener("click", async () => {
      const old = state.session;
      state.session = newSessionId();
      if (store) store.setItem("jaga.session", state.session);
      $("log").replaceChildren();
      $("panel-chat").classList.remove("started");
      state.lastReply = null;
      try {
        await api("/api/forget", { session: old });
      } catch (e) {
        /* the server forgets idle chats anyway */
      }
      addMessage("bot note", t("cleared"));
    });
  }

  // ------------------------------------------------------------------ leave quickly

  // The public web chat shows "Leave quickly" and "Clear this chat" at all times (#quick).
  // Leaving forgets the conversation, wipes this tab's copy and replaces the page in the
  // history (location.replace), so Back does not bring the chat up again.
  function setupQuickExit() {
    const bar = $("quick");
    if (!bar || bar.hidden) return;
    $("clear").addEventListener("click", () => $("forget").click());
    $("leave").addEventListener("click", (e) => {
      e.preventDefault();
      const target = $("leave").href || "about:blank";
      const session = state.session;
      $("log").replaceChildren();
      $("msg").value = "";
      if (store) store.clear();
      try {
        fetch("/api/forget", {
          method: "POST",
          keepalive: true,
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ session }),
        }).catch(() => {});
      } catch (err) {
        /* the server forgets idle chats anyway */
      }
      window.location.replace(target);
    });
  }

  // ------------------------------------------------------------------ scenarios

  async function loadScenarios() {
    try {
      const data = await api(`/api/scenarios?lang=${state.lang}`);
      state.scenarios = data.scenarios || [];
    } catch (e) {
      $("scenario-cards").replaceChildren(el("li", null, t("load_error")));
      return;
    }
    renderScenarioCards();
    if (state.scenario) renderScenario(false);
  }

  function renderScenarioCards() {
    const list = $("scenario-cards");
    list.replaceChildren();
    for (const s of state.scenarios) {
      const pauses = s.steps.filter((st) => st.pause).length;
      list.append(
        el(
          "li",
          null,
          el(
            "button",
            { type: "button", "data-scenario": s.id, onclick: () => openScenario(s.id) },
            el("span", { className: "card-title" }, s.title),
            el("span", null, s.summary),
            el("span", { className: "card-meta" }, t("steps", { n: s.steps.length, p: pauses })),
          ),
        ),
      );
    }
  }

  function currentScenario() {
    return state.scenario && state.scenarios.find((s) => s.id === state.scenario.id);
  }

  function openScenario(id) {
    state.scenario = { id, shown: 1 };
    $("scenario-list").hidden = true;
    $("scenario-player").hidden = false;
    renderScenario(false);
    $("scenario-title").focus();
  }

  function stepNode(s, step, latest) {
    const name = step.speaker === "narrator" ? t("narrator") : s.names[step.speaker] || step.speaker;
    const li = el(
      "li",
      { className: `${step.speaker}${latest ? " latest" : ""}` },
      el("p", { className: "speaker" }, name),
      el("div", { className: "step-text" }, linkified(step.text), sourceNote(step.source)),
    );
    if (step.pause) {
      li.append(el("div", { className: "pause" }, el("strong", null, t("pause")), step.pause));
    }
    return li;
  }

  function renderScenario(scroll = true) {
    const s = currentScenario();
    if (!s) return;
    const { shown } = state.scenario;
    const done = shown >= s.steps.length;
    $("scenario-title").textContent = s.title;
    $("scenario-progress").textContent = done ? `${t("finished")} · ${t("step_of", { i: s.steps.length, n: s.steps.length })}` : t("step_of", { i: shown, n: s.steps.length });
    const script = $("scenario-script");
    script.replaceChildren(...s.steps.slice(0, shown).map((st, i) => stepNode(s, st, i === shown - 1)));
    const advice = $("scenario-advice");
    advice.hidden = !done;
    $("scenario-advice-list").replaceChildren(
      ...s.advice.map((a) => el("li", null, linkified(a.text), sourceNote(a.source))),
    );
    $("scenario-next").hidden = done;
    if (scroll) {
      const main = $("main");
      if (done) advice.scrollIntoView({ block: "start" });
      else main.scrollTop = main.scrollHeight;
    }
  }

  function setupScenarios() {
    $("scenario-next").addEventListener("click", () => {
      const s = currentScenario();
      if (!s) return;
      state.scenario.shown = Math.min(state.scenario.shown + 1, s.steps.length);
      renderScenario(true);
      if (state.scenario.shown >= s.steps.length) $("scenario-restart").focus();
    });
    $("scenario-restart").addEventListener("click", () => {
      if (!state.scenario) return;
      state.scenario.shown = 1;
      renderScenario(false);
      $("scenario-next").focus();
    });
    $("scenario-back").addEventListener("click", () => {
      state.scenario = null;
      $("scenario-player").hidden = true;
      $("scenario-list").hidden = false;
      const first = $("scenario-cards").querySelector("button");
      if (first) first.focus();
    });
  }

  // ------------------------------------------------------------------ quiz

  async function loadQuiz() {
    try {
      state.quiz = await api(`/api/quiz?lang=${state.lang}`);
    } catch (e) {
      $("quiz-lead").textContent = t("load_error");
      return;
    }
    $("quiz-title").textContent = state.quiz.title;
    $("quiz-lead").textContent = t("quiz_lead", { n: state.quiz.total });
    if (state.run && !$("quiz-question").hidden) renderQuestion();
    else if (state.run && !$("quiz-end").hidden) renderQuizEnd();
  }

  function startQuiz(quick) {
    if (!state.quiz) return;
    let order = state.quiz.questions.map((q) => q.index);
    if (quick) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      order = order.slice(0, 10);
    }
    state.run = { order, pos: 0, score: 0, answered: null };
    $("quiz-start").hidden = true;
    $("quiz-end").hidden = true;
    $("quiz-question").hidden = false;
    renderQuestion();
    $("quiz-text").focus();
  }

  function renderQuestion() {
    const run = state.run;
    const q = state.quiz.questions[run.order[run.pos]];
    $("quiz-progress").textContent = t("question_of", { i: run.pos + 1, n: run.order.length, s: run.score });
    $("quiz-text").textContent = q.text;
    const box = $("quiz-options");
    box.replaceChildren();
    box.dataset.index = String(q.index);
    q.options.forEach((opt, i) => {
      box.append(
        el(
          "button",
          { type: "button", "data-choice": String(i), onclick: () => answer(i) },
          el("span", { className: "letter", "aria-hidden": "true" }, "ABCD"[i]),
          el("span", null, opt),
        ),
      );
    });
    const fb = $("quiz-feedback");
    fb.replaceChildren();
    fb.className = "feedback";
    $("quiz-next").hidden = true;
    if (run.answered) showAnswer(q, run.answered);
  }

  function showAnswer(q, result) {
    const buttons = $("quiz-options").querySelectorAll("button");
    buttons.forEach((b, i) => {
      b.disabled = true;
      if (i === result.answer) b.classList.add("right");
      else if (i === result.choice) b.classList.add("wrong");
      if (i === result.choice) b.setAttribute("aria-pressed", "true");
    });
    const fb = $("quiz-feedback");
    fb.className = `feedback ${result.correct ? "right" : "wrong"}`;
    fb.replaceChildren(
      el("span", { className: "verdict" }, result.correct ? t("right") : t("wrong")),
      result.correct ? null : el("p", null, t("right_answer", { a: q.options[result.answer] })),
      el("p", null, linkified(result.explanation)),
      sourceNote(result.source),
    );
    const last = state.run.pos >= state.run.order.length - 1;
    const next = $("quiz-next");
    next.textContent = last ? t("see_results") : t("next");
    next.hidden = false;
  }

  async function answer(choice) {
    const run = state.run;
    if (!run || run.answered || run.pending) return;
    const index = run.order[run.pos];
    run.pending = true;
    try {
      const res = await api("/api/quiz/check", { index, choice, lang: state.lang });
      run.answered = { choice, correct: res.correct, answer: res.answer, explanation: res.explanation, source: res.source };
      if (res.correct) run.score += 1;
    } catch (e) {
      $("quiz-feedback").textContent = t("load_error");
      return;
    } finally {
      run.pending = false;
    }
    $("quiz-progress").textContent = t("question_of", { i: run.pos + 1, n: run.order.length, s: run.score });
    showAnswer(state.quiz.questions[index], run.answered);
    $("quiz-next").focus({ preventScroll: true });
    $("quiz-feedback").scrollIntoView({ block: "nearest" });
  }

  function renderQuizEnd() {
    const run = state.run;
    $("quiz-score").textContent = t("score", { s: run.score, n: run.order.length });
    $("quiz-remember").replaceChildren(...(state.quiz.remember || []).map((r) => el("li", null, linkified(r))));
  }

  function setupQuiz() {
    $("quiz-begin-all").addEventListener("click", () => startQuiz(false));
    $("quiz-begin-quick").addEventListener("click", () => startQuiz(true));
    $("quiz-next").addEventListener("click", () => {
      const run = state.run;
      if (!run || !run.answered) return;
      if (run.pos >= run.order.length - 1) {
        $("quiz-question").hidden = true;
        $("quiz-end").hidden = false;
        renderQuizEnd();
        $("quiz-score").focus();
        return;
      }
      run.pos += 1;
      run.answered = null;
      renderQuestion();
      $("quiz-text").focus();
    });
    $("quiz-again").addEventListener("click", () => {
      state.run = null;
      $("quiz-end").hidden = true;
      $("quiz-start").hidden = false;
      $("quiz-begin-all").focus();
    });
  }

  // ------------------------------------------------------------------ parents

  async function loadParents() {
    let data;
    try {
      data = await api(`/api/parents?lang=${state.lang}`);
    } catch (e) {
      $("parents-intro").textContent = t("load_error");
      return;
    }
    $("parents-title").textContent = data.title;
    $("parents-intro").textContent = [t("content_en"), data.intro].filter(Boolean).join(" ");
    const toc = $("parents-toc");
    const box = $("parents-sections");
    toc.replaceChildren();
    box.replaceChildren();
    for (const s of data.sections) {
      const hid = `parents-${s.id}`;
      toc.append(el("li", null, el("a", { href: `#${hid}` }, s.title)));
      box.append(
        el(
          "section",
          { className: "parent-section", "aria-labelledby": hid },
          el("h3", { id: hid, tabindex: "-1" }, s.title),
          s.intro ? el("p", { className: "intro" }, s.intro) : null,
          el("ul", null, ...s.items.map((it) => el("li", null, linkified(it.text), sourceNote(it.source)))),
        ),
      );
    }
    state.parentsLoaded = state.lang;
  }

  // ------------------------------------------------------------------ start

  async function start() {
    const saved = store && store.getItem("jaga.lang");
    const browser = (navigator.language || "en").toLowerCase();
    const fromBrowser = browser.replace(/^(id|in)\b/, "ms").split(/[-_]/)[0];
    // The public web chat's server picked the language the browser asks for (Accept-Language).
    const served = document.documentElement.dataset.lang;
    state.lang = saved && UI[saved] ? saved : served && UI[served] ? served : UI[fromBrowser] ? fromBrowser : "en";
    // A fresh conversation on every page load; the previous one (if any) is forgotten.
    const previous = store && store.getItem("jaga.session");
    state.session = newSessionId();
    if (store) store.setItem("jaga.session", state.session);
    if (previous && previous !== state.session) api("/api/forget", { session: previous }).catch(() => {});

    document.querySelectorAll(".lang [data-lang]").forEach((b) => {
      b.addEventListener("click", () => setLanguage(b.dataset.lang));
    });
    setupTabs();
    setupChat();
    setupQuickExit();
    setupScenarios();
    setupQuiz();
    applyLanguage();
    addMessage("bot", t("welcome"));
    await Promise.all([loadScenarios(), loadQuiz(), loadParents()]);
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
