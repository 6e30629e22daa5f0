// The front page's script, a file rather than inline so that the page's
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  // Show the examples with this server's real address.
  document.querySelectorAll("[data-origin]").forEach(function (el) { el.textContent = location.origin; });

  var events = document.getElementById("demo-events");
  if (!events) return; // no demo chat on this page

  // embed.js loads async: until it runs, calls wait in Parley.q and it
  // replays them. The same snippet works on any site.
  window.Parley = window.Parley || { q: [] };
  ["open", "close", "toggle", "setUser", "on", "off"].forEach(function (m) {
    Parley[m] = Parley[m] || function () { Parley.q.push([m, arguments]); };
  });

  function show(text) {
    var li = document.createElement("li");
    li.textContent = new Date().toLocaleTimeString() + "  " + text;
    events.prepend(li);
    while (events.children.length > 50) events.lastElementChild.remove();
  }
  Parley.on("message", function (m) {
    show("message from " + m.author + ": " + m.body);
  });
  ["ready", "open", "close", "unread", "started", "ended"].forEach(function (name) {
    Parley.on(name, function (arg) {
      show(name + (arg === undefined ? "" : " " + JSON.stringify(arg)));
    });
  });

  document.getElementById("demo-open").addEventListener("click", function () { Parley.open(); });
  document.getElementById("demo-close").addEventListener("click", function () { Parley.close(); });
  document.getElementById("demo-toggle").addEventListener("click", function () { Parley.toggle(); });
})();
