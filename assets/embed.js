/*
 * Parley embed loader:
 *   <script src="https://HOST/embed.js" data-deployment-key="KEY" async></script>
 * Optional: data-position ("right" | "left"), data-color, data-label.
 *
 * Draws the launcher at once; fetches the widget when the page is idle and
 * starts it (long work on a main thread that may be the page's) only on
 * intent. Talks to the widget by postMessage; exposes window.Parley.
 */
(() => {
  "use strict";
  if (window.__parleyLoaded) return; // the tag included twice

  const script = document.currentScript || document.querySelector("script[data-deployment-key]");
  const KEY = script && script.getAttribute("data-deployment-key");
  let BASE = "";
  try { BASE = new URL(script.src).origin; } catch (_) {}
  if (!KEY || !BASE) return console.warn("Parley: embed tag needs src and data-deployment-key");
  window.__parleyLoaded = true;

  const attr = (name) => script.getAttribute("data-" + name);
  const STORE = "parley:open:" + KEY;
  const CHAT = "parley:chat:" + KEY; // a chat is under way
  const LANG = "parley:lang:" + KEY; // the widget's language
  const load = (k) => { try { return localStorage.getItem(k); } catch (_) {} }; // storage can be blocked
  const keep = (k, v) => { try { v ? localStorage.setItem(k, v) : localStorage.removeItem(k); } catch (_) {} };

  // Words by language, filled in by the server from shared/i18n.
  const WORDS = /*parley:words*/ { en: { open: "Open chat", unread: "unread", title: "Chat", out: "Leave a message" } } /*end*/;
  let lang = String(load(LANG) || navigator.language).toLowerCase().split(/[-_]/)[0];
  if (!WORDS[lang]) lang = "en";

  // In a closed shadow root page CSS cannot reach in nor ours leak out; an
  // !important :host reset beats even the page's !important rules.
  const STYLE = `
:host{all:initial!important}
*{box-sizing:border-box}
.launcher{position:fixed;bottom:20px;right:20px;width:56px;height:56px;z-index:2147483000}
.btn{width:56px;height:56px;margin:0;padding:0;border:0;border-radius:50%;cursor:pointer;display:flex;
 align-items:center;justify-content:center;color:#fff;background:var(--parley-color);
 box-shadow:0 4px 12px rgba(0,0,0,.25);transition:transform .15s}
.btn:hover{transform:scale(1.06)}
.away .btn{filter:grayscale(1)}
.btn:focus-visible{outline:3px solid transparent;box-shadow:0 0 0 3px #fff,0 0 0 6px var(--parley-color)}
svg{width:28px;height:28px;fill:currentColor;pointer-events:none}
.shut{fill:none;stroke:currentColor;stroke-width:2.5;stroke-linecap:round}
.shut,.open .chat{display:none}
.open .shut{display:block}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;
 background:#d1242f;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center;pointer-events:none}
.badge:empty{opacity:0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.panel{position:fixed;bottom:90px;right:20px;width:380px;max-width:calc(100vw - 40px);
 height:min(640px,calc(100vh - 110px));border:0;border-radius:12px;background:#fff;
 box-shadow:0 8px 32px rgba(0,0,0,.25);z-index:2147483001;visibility:hidden;opacity:0;
 transform:translateY(12px);transition:opacity .2s,transform .2s,visibility 0s .2s}
.open .panel{visibility:visible;opacity:1;transform:none;transition:opacity .2s,transform .2s}
.left .launcher,.left .panel{right:auto;left:20px}
@media (max-width:480px){
 .root .panel{inset:0;width:100vw;max-width:none;height:100vh;height:100dvh;border-radius:0}
 .open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){.btn,.panel{transition:none}}
@media print{:host{display:none!important}}`;

  // DOM via createElement/setAttribute only: no outside value meets an HTML parser.
  const el = (tag, attrs, ns) => {
    const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  };
  const SVG = "http://www.w3.org/2000/svg";
  const icon = (cls, d) => {
    const s = el("svg", { class: cls, viewBox: "0 0 24 24", "aria-hidden": "true" }, SVG);
    s.append(el("path", { d }, SVG));
    return s;
  };

  const host = el("parley-chat");
  const shadow = host.attachShadow({ mode: "closed" });
  if (shadow.adoptedStyleSheets && CSSStyleSheet.prototype.replaceSync) {
    // Unlike <style>, a constructed sheet is not blocked by a strict CSP style-src.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const style = el("style");
    style.textContent = STYLE;
    shadow.append(style);
  }
  const root = el("div", { class: "root" });
  const launcher = el("div", { class: "launcher" });
  const btn = el("button", {
    type: "button",
    class: "btn",
    "aria-expanded": "false",
    "aria-describedby": "unread",
  });
  btn.append(
    icon("chat", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"),
    icon("shut", "M6 9l6 6 6-6")
  );
  // Always present (a live region is announced only if it existed before the
  // change) and outside the button (a button's children are presentational).
  const badge = el("span", { id: "unread", class: "badge", "aria-live": "polite" });
  launcher.append(btn, badge);
  root.append(launcher);
  shadow.append(root);

  // Colours reach CSS only via setProperty, and only real colours (a bad one would blank the button).
  const setColor = (c) => {
    const ok = typeof c == "string" && CSS.supports("color", c);
    if (ok) root.style.setProperty("--parley-color", c);
    return ok;
  };
  const setSide = (p) => {
    if (p == "left" || p == "right") root.classList.toggle("left", p == "left");
  };
  setColor(attr("color")) || setColor("#1f6feb"); // always set, so a page's --parley-color cannot inherit in
  setSide(attr("position"));
  (document.body || document.documentElement).append(host);

  let frame = null; // the widget, created lazily
  let loaded = false; // the frame's page listens for "start"
  let waiting = false; // the frame holds the waiting page
  let awake = false; // the visitor showed intent
  let ready = false; // the widget said "ready" and can take commands
  let open = false;
  let unread = 0;
  let user; // latest setUser argument, (re)sent on every "ready"
  let hasUser = false;
  let away = false; // the team is outside its business hours
  const listeners = {};

  // The launcher speaks the widget's language (data-label is the site's own).
  let words;
  function speak(l) {
    words = WORDS[l];
    btn.setAttribute("aria-label", attr("label") || (away ? words.out : words.open));
    btn.setAttribute("lang", l);
    if (frame) frame.title = words.title;
    const sr = badge.querySelector(".sr");
    if (sr) sr.textContent = " " + words.unread;
  }
  speak(lang);

  // Before intent the frame is a waiting page that prefetches the WASM.
  function createFrame() {
    if (frame) return;
    frame = el("iframe", {
      class: "panel",
      title: words.title,
      allow: "clipboard-write",
      // "#user": the site signs its customer in, so the widget's first screen skips the form.
      src: BASE + "/widget/?key=" + encodeURIComponent(KEY) + (awake ? "" : "&wait=1") + (user && user.token ? "#user" : ""),
    });
    waiting = !awake;
    frame.addEventListener("load", () => {
      loaded = true;
      if (awake && waiting) start();
    });
    root.append(frame);
  }

  function start() {
    if (!loaded || !waiting) return;
    waiting = false;
    frame.contentWindow.postMessage({ parley: 1, type: "start" }, BASE);
  }

  function wake() {
    if (awake) return;
    awake = true;
    if (frame) start();
    else createFrame();
  }

  // Nothing is sent before "ready"; the state (user, open) is kept and sent on "ready".
  function post(type, extra) {
    if (!ready) return;
    try {
      frame.contentWindow.postMessage(Object.assign({ parley: 1, type }, extra), BASE);
    } catch (err) {
      console.error("Parley:", err); // e.g. a user object that cannot be cloned
    }
  }

  function emit(name, arg) {
    for (const fn of (listeners[name] || []).slice()) {
      try {
        fn(arg);
      } catch (err) {
        console.error("Parley: " + name + " listener:", err); // a site's bug must not break chat
      }
    }
  }

  const off = (name, fn) => {
    const list = listeners[name] || [];
    if (list.includes(fn)) list.splice(list.indexOf(fn), 1);
  };
  const on = (name, fn) => {
    if (typeof fn == "function") (listeners[name] = listeners[name] || []).push(fn);
    return () => off(name, fn);
  };

  function setUnread(n) {
    if (n === unread) return;
    unread = n;
    badge.textContent = n ? (n > 99 ? "99+" : n) : ""; // shows "2", reads "2 unread"
    if (n) {
      const sr = el("span", { class: "sr" });
      sr.textContent = " " + words.unread;
      badge.append(sr);
    }
    emit("unread", n);
  }

  function setOpen(value) {
    open = value;
    root.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", open);
    keep(STORE, open ? "1" : "0");
    post(open ? "open" : "close");
  }

  function openPanel(focus) {
    wake();
    if (!open) {
      setOpen(true);
      emit("open");
    }
    setUnread(0);
    if (focus) frame.focus();
  }

  function closePanel() {
    if (!open) return;
    // Take focus back only if it was ours, not from a site's own "close" button.
    const ours = shadow.activeElement != null;
    setOpen(false);
    if (ours) btn.focus();
    emit("close");
  }

  const toggle = () => (open ? closePanel() : openPanel(true));

  // Widget -> loader, all {parley:1, type, ...}: ready {chat}; theme {color, position,
  // lang, away}; message {message}; close; started/ended {conversation_sid}.
  window.addEventListener("message", (e) => {
    // Only our own frame, from our own origin, may drive the loader.
    if (!frame || e.source !== frame.contentWindow || e.origin !== BASE) return;
    const d = e.data;
    if (!d || d.parley !== 1) return;
    switch (d.type) {
      case "ready":
        ready = true;
        keep(CHAT, d.chat ? "1" : null);
        if (hasUser) post("setUser", { user });
        post(open ? "open" : "close");
        emit("ready");
        break;
      case "theme":
        setColor(d.color);
        setSide(d.position);
        root.classList.toggle("away", (away = !!d.away));
        if (Object.hasOwn(WORDS, d.lang)) keep(LANG, (lang = d.lang));
        speak(lang);
        break;
      case "message":
        emit("message", d.message);
        if (!open) setUnread(unread + 1);
        break;
      case "close":
        closePanel();
        break;
      case "started":
      case "ended":
        keep(CHAT, d.type == "started" ? "1" : null);
        emit(d.type, { conversation_sid: d.conversation_sid });
    }
  });

  btn.addEventListener("click", toggle);
  btn.addEventListener("keydown", (e) => {
    if (e.key == "Escape" && open) {
      e.preventDefault();
      closePanel();
    }
  });
  // Signs of intent: start the widget before the click lands.
  for (const type of ["pointerenter", "focus", "touchstart"]) {
    btn.addEventListener(type, wake, { once: true, passive: true });
  }
  // Else fetch it when the page is idle (start it if a chat is under way).
  const idle = () => (load(CHAT) == "1" ? wake() : createFrame());
  const whenIdle = () =>
    window.requestIdleCallback ? requestIdleCallback(idle, { timeout: 3000 }) : setTimeout(idle, 3000);
  if (document.readyState == "complete") whenIdle();
  else window.addEventListener("load", whenIdle, { once: true });

  const api = {
    open: () => openPanel(true),
    close: closePanel,
    toggle,
    isOpen: () => open,
    setUser(u) {
      user = u;
      hasUser = true;
      post("setUser", { user: u });
    },
    on,
    off,
  };
  // Replay calls a snippet queued as [method, args] before we arrived.
  const queued = (window.Parley && Array.isArray(window.Parley.q) && window.Parley.q) || [];
  window.Parley = api;
  for (const call of queued) {
    try {
      if (Object.hasOwn(api, call[0])) api[call[0]].apply(api, call[1] || []);
    } catch (err) {
      console.error("Parley: queued call:", err);
    }
  }

  // Reopen if the visitor left it open, without taking the focus, after
  // the queued calls so the page's handlers hear of it.
  if (load(STORE) == "1") openPanel(false);
})();
