// The widget's first screen, before its WebAssembly runs: the server draws
// the header and the pre-engagement form (see index.html), and this script,
// run before the first paint, makes them behave.
//
// - A visitor with a live session, or a way back into one (a resume
//   token), or one the site signs in, goes straight to the chat, so they
//   see a spinner, not a form they do not need.
// - Sending the form early is kept: the form is marked data-pending and the
//   widget sends it when it starts (web/widget/shell.go).
// - Minimise works at once, by the same message the widget sends.
(function () {
  "use strict";
  var key = document.currentScript.getAttribute("data-key");
  var root = document.documentElement;
  try {
    var saved = JSON.parse(localStorage.getItem("parley:chat:" + key) || "null");
    var live = function (token, expires) { return token && Date.parse(expires) - Date.now() > 10000; };
    // A live token, or a guest's resume token (the chat may still be open).
    if (saved && (live(saved.token, saved.expires) || live(saved.resume_token, saved.resume_expires))) root.classList.add("resuming");
  } catch (_) {
    // No storage (private mode) or a damaged entry: the widget decides.
  }
  if (location.hash == "#user") root.classList.add("resuming");

  var inShell = function (el) { return el && el.closest && el.closest("#boot"); };
  var close = function () {
    if (window.parent !== window) window.parent.postMessage({ parley: 1, type: "close" }, "*");
  };
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!inShell(form)) return;
    e.preventDefault();
    form.setAttribute("data-pending", "1");
    form.querySelector("[type=submit]").disabled = true;
    form.querySelector(".hint").hidden = false;
  });
  document.addEventListener("click", function (e) {
    if (inShell(e.target) && e.target.closest(".min")) close();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key == "Escape" && inShell(e.target)) close();
  });
})();
