// Jaga classroom chat. No framework, no outside requests, no inline script (CSP).
// Text from the server is always set with textContent, never as HTML.
"use strict";

(() => {
  const UI = {
    en: {
      skip: "Skip to content",
      tagline: "Staying safe online · Klik Dengan Bijak",
      lang_label: "Language",
      banner: "Demo — nothing you type is saved",
      banner_more: "This is a chatbot, not a person. In danger now? Call 999.",
      tabs_label: "Sections",
      tab_chat: "Chat",
      tab_scenarios: "Scenarios",
      tab_quiz: "Quiz",
      tab_parents: "Parents",
      topics_label: "Quick topics",
      log_label: "Conversation",
      msg_label: "Your message",
      msg_placeholder: "Type your question…",
      send: "Send",
      hint: "English or Bahasa Malaysia. Enter sends, Shift+Enter makes a new line.",
      forget: "Clear this chat",
      cleared: "Chat cleared. Jaga has forgotten this conversation.",
      you: "You",
      jaga: "Jaga",
      typing: "Jaga is typing…",
      welcome:
        "Hi! I'm Jaga, a chatbot about staying safe online. Ask me a question in English or Bahasa Malaysia, or tap a topic above.\nI'm a bot, not a person. In danger now? Call 999.",
      too_long: "That message is too long for me (over 4000 characters). Could you tell me the main thing in a few sentences?",
      offline: "Sorry, I can't reach Jaga right now. In danger now? Call 999. To talk to someone: Talian Kasih 15999.",
      topics: [
        ["What is grooming?", "/ask_grooming"],
        ["Sextortion", "/ask_sextortion"],
        ["How to report", "/ask_report"],
        ["Staying safe", "/ask_safety_tips"],
        ["For parents", "/ask_parent_guidance"],
        ["Helplines", "/ask_helpline"],
      ],
      scenarios_title: "Teaching scenarios",
      scenarios_lead: "Watch a chat unfold one step at a time. At each pause, stop and discuss.",
      steps: (n, p) => `${n} steps · ${p} pauses for discussion`,
      step_of: (i, n) => `Step ${i} of ${n}`,
      finished: "Finished",
      pause: "Pause and discuss",
      narrator: "Story",
      next: "Next",
      restart: "Start again",
      all_scenarios: "All scenarios",
      advice_title: "What to do",
      source: "Source:",
      quiz_lead: (n) => `${n} questions about staying safe online. Choose an answer to see why.`,
      quiz_all: "All questions",
      quiz_quick: "Quick round (10)",
      question_of: (i, n, s) => `Question ${i} of ${n} · Score ${s}`,
      right: "Correct!",
      wrong: "Not quite.",
      right_answer: (a) => `The answer is: ${a}`,
      see_results: "See my score",
      score: (s, n) => `You got ${s} out of ${n}!`,
      remember_title: "What to remember",
      quiz_again: "Play again",
      toc_label: "On this page",
      help_danger: "In danger now: **999**",
      help_kasih: "Talian Kasih **15999**",
      help_kasih_wa: " · WhatsApp 019-261 5999",
      help_kasih_more: " (24h)",
      help_bear: "Buddy Bear **1-800-18-2327**",
      help_bear_more: " (under 18, 12pm–12am)",
      load_error: "Sorry, this could not be loaded. Please reload the page.",
    },
    ms: {
      skip: "Langkau ke kandungan",
      tagline: "Selamat dalam talian · Klik Dengan Bijak",
      lang_label: "Bahasa",
      banner: "Demo — apa yang anda taip tidak disimpan",
      banner_more: "Ini chatbot, bukan manusia. Dalam bahaya? Telefon 999.",
      tabs_label: "Bahagian",
      tab_chat: "Chat",
      tab_scenarios: "Senario",
      tab_quiz: "Kuiz",
      tab_parents: "Ibu bapa",
      topics_label: "Topik pantas",
      log_label: "Perbualan",
      msg_label: "Mesej anda",
      msg_placeholder: "Taip soalan anda…",
      send: "Hantar",
      hint: "Bahasa Malaysia atau English. Enter untuk hantar, Shift+Enter untuk baris baru.",
      forget: "Padam chat ini",
      cleared: "Chat dipadam. Jaga sudah melupakan perbualan ini.",
      you: "Anda",
      jaga: "Jaga",
      typing: "Jaga sedang menaip…",
      welcome:
        "Hai! Saya Jaga, chatbot tentang keselamatan dalam talian. Tanya saya dalam Bahasa Malaysia atau English, atau tekan satu topik di atas.\nSaya bot, bukan manusia. Dalam bahaya sekarang? Telefon 999.",
      too_long: "Mesej itu terlalu panjang untuk saya (lebih 4000 aksara). Boleh ceritakan perkara utama dalam beberapa ayat?",
      offline: "Maaf, saya tak dapat hubungi Jaga sekarang. Dalam bahaya sekarang? Telefon 999. Untuk bercakap dengan seseorang: Talian Kasih 15999.",
      topics: [
        ["Apa itu grooming?", "/ask_grooming"],
        ["Sextortion (ugutan)", "/ask_sextortion"],
        ["Cara buat laporan", "/ask_report"],
        ["Tips selamat", "/ask_safety_tips"],
        ["Untuk ibu bapa", "/ask_parent_guidance"],
        ["Talian bantuan", "/ask_helpline"],
      ],
      scenarios_title: "Senario pembelajaran",
      scenarios_lead: "Ikuti chat satu langkah demi satu langkah. Pada setiap jeda, berhenti dan berbincang.",
      steps: (n, p) => `${n} langkah · ${p} jeda untuk perbincangan`,
      step_of: (i, n) => `Langkah ${i} daripada ${n}`,
      finished: "Tamat",
      pause: "Jeda dan bincang",
      narrator: "Cerita",
      next: "Seterusnya",
      restart: "Mula semula",
      all_scenarios: "Semua senario",
      advice_title: "Apa yang perlu dibuat",
      source: "Sumber:",
      quiz_lead: (n) => `${n} soalan tentang keselamatan dalam talian. Pilih jawapan untuk lihat sebabnya.`,
      quiz_all: "Semua soalan",
      quiz_quick: "Pusingan pantas (10)",
      question_of: (i, n, s) => `Soalan ${i} daripada ${n} · Markah ${s}`,
      right: "Betul!",
      wrong: "Belum tepat.",
      right_answer: (a) => `Jawapannya: ${a}`,
      see_results: "Lihat markah",
      score: (s, n) => `Markah anda: ${s} daripada ${n}!`,
      remember_title: "Perkara untuk diingat",
      quiz_again: "Main lagi",
      toc_label: "Dalam halaman ini",
      help_danger: "Dalam bahaya sekarang: **999**",
      help_kasih: "Talian Kasih **15999**",
      help_kasih_wa: " · WhatsApp 019-261 5999",
      help_kasih_more: " (24 jam)",
      help_bear: "Buddy Bear **1-800-18-2327**",
      help_bear_more: " (bawah 18, 12 tgh hari – 12 malam)",
      load_error: "Maaf, ini tidak dapat dimuatkan. Sila muat semula halaman.",
    },
  };

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
  };

  // ------------------------------------------------------------------ helpers

  function t(key, ...args) {
    const v = UI[state.lang][key];
    return typeof v === "function" ? v(...args) : v;
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

  // "Call **999**" -> text with <b> parts, built from DOM nodes (never parsed as HTML).
  function setRich(node, text) {
    node.replaceChildren();
    String(text).split("**").forEach((part, i) => {
      if (part) node.append(i % 2 ? el("b", null, part) : document.createTextNode(part));
    });
  }

  const LINK_RE = /(https?:\/\/[^\s<>"')]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:gov\.my|org\.my|com\.my|org|my)\b(?:\/[^\s<>"')]*)?)/gi;

  // Plain text with links made clickable (new tab, rel=noopener).
  function linkified(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    String(text).replace(LINK_RE, (match, _g, offset) => {
      let url = match.replace(/[.,;:!?]+$/, "");
      frag.append(document.createTextNode(text.slice(last, offset)));
      const href = /^https?:\/\//i.test(url) ? url : `https://${url}`;
      frag.append(el("a", { href, target: "_blank", rel: "noopener noreferrer" }, url));
      last = offset + url.length;
      return match;
    });
    frag.append(document.createTextNode(text.slice(last)));
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
    document.documentElement.lang = state.lang;
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
    if (name === "chat") scrollLog();
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

  function addMessage(kind, text, buttons) {
    const who = kind === "user" ? t("you") : t("jaga");
    const bubble = el("div", { className: "bubble" });
    if (kind === "user") bubble.textContent = text;
    else bubble.append(linkified(text));
    const node = el("div", { className: `msg ${kind}` }, el("p", { className: "who" }, who), bubble);
    if (buttons && buttons.length) {
      const row = el("div", { className: "reply-buttons" });
      for (const b of buttons) {
        if (b.url) {
          if (!/^(https?:|tel:|mailto:)/i.test(b.url)) continue;
          row.append(el("a", { href: b.url, target: "_blank", rel: "noopener noreferrer" }, b.title));
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
    for (const [title, payload] of t("topics")) {
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
      const replies = turn.replies && turn.replies.length ? turn.replies : [{ text: turn.text, buttons: [] }];
      for (const r of replies) addMessage("bot", r.text || "", r.buttons || []);
    } catch (err) {
      typing.remove();
      const msg = err.data && err.data.message ? err.data.message : t("offline");
      addMessage("bot note", msg);
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
      try {
        await api("/api/forget", { session: old });
      } catch (e) {
        /* the server forgets idle chats anyway */
      }
      addMessage("bot note", t("cleared"));
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
            el("span", { className: "card-meta" }, t("steps", s.steps.length, pauses)),
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
    $("scenario-progress").textContent = done ? `${t("finished")} · ${t("step_of", s.steps.length, s.steps.length)}` : t("step_of", shown, s.steps.length);
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
    $("quiz-lead").textContent = t("quiz_lead", state.quiz.total);
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
    $("quiz-progress").textContent = t("question_of", run.pos + 1, run.order.length, run.score);
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
      result.correct ? null : el("p", null, t("right_answer", q.options[result.answer])),
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
    $("quiz-progress").textContent = t("question_of", run.pos + 1, run.order.length, run.score);
    showAnswer(state.quiz.questions[index], run.answered);
    $("quiz-next").focus({ preventScroll: true });
    $("quiz-feedback").scrollIntoView({ block: "nearest" });
  }

  function renderQuizEnd() {
    const run = state.run;
    $("quiz-score").textContent = t("score", run.score, run.order.length);
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
    $("parents-intro").textContent = data.intro;
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
    state.lang = saved && UI[saved] ? saved : browser.startsWith("ms") ? "ms" : "en";
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
