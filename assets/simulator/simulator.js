// The phone simulator: texts Parley's demo number as a customer and
// long-polls for what Parley sends back. Everything shown goes through
// textContent, never markup.
(function () {
  "use strict";
  var phone = document.querySelector(".phone");
  var to = phone.dataset.to;
  var from = document.getElementById("from");
  var thread = document.getElementById("thread");
  var error = document.getElementById("error");
  var body = document.getElementById("body");
  var after = 0;
  var polling = 0; // bumps when the number changes, ending the old poll

  from.value = localStorage.getItem("parley:simulator:from") ||
    "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
  localStorage.setItem("parley:simulator:from", from.value);

  function show(text, dir, media) {
    var li = document.createElement("li");
    li.className = dir;
    li.textContent = text;
    (media || []).forEach(function (url, i) {
      var a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = " [attachment " + (i + 1) + "]";
      li.appendChild(a);
    });
    thread.appendChild(li);
    thread.scrollTop = thread.scrollHeight;
  }

  function fail(msg) {
    error.textContent = msg;
    error.hidden = !msg;
  }

  function poll(run) {
    if (run !== polling) return;
    fetch("/simulator/api/messages?Phone=" + encodeURIComponent(from.value) + "&After=" + after)
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (run !== polling) return;
        if (!res.ok) { fail(res.j.message || "The simulator could not read replies"); setTimeout(function () { poll(run); }, 3000); return; }
        res.j.texts.forEach(function (t) { after = Math.max(after, t.seq); show(t.body, "in", t.media); });
        poll(run);
      })
      .catch(function () { setTimeout(function () { poll(run); }, 3000); });
  }

  from.addEventListener("change", function () {
    localStorage.setItem("parley:simulator:from", from.value);
    thread.textContent = "";
    after = 0;
    poll(++polling);
  });

  document.getElementById("compose").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = body.value.trim();
    if (!text) return;
    var form = new URLSearchParams({ From: from.value, To: to, Body: text });
    fetch("/simulator/api/messages", { method: "POST", body: form })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (!res.ok) { fail(res.j.message || "Not sent"); return; }
        fail("");
        show(text, "out");
        body.value = "";
      })
      .catch(function () { fail("Not sent: the server did not answer"); });
  });

  poll(++polling);
})();
