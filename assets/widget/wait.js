// The widget's page before the visitor has shown any intent (the embed
// loader framed it with "wait"): its <link rel=prefetch> brings the
// widget's WebAssembly into the cache, all off the main thread, which this
// frame may share with the host page (a same-site page, or a browser that
// does not isolate sites). Compiling and starting the widget is long work
// on that thread (0.4-2.5 s), so this page waits for the loader's "start"
// and then becomes the widget's page, which finds the WASM in the cache.
(function () {
  "use strict";
  // The launcher shows a team outside its business hours as away before
  // the widget runs (the loader checks the sender and our origin).
  window.parent.postMessage({ parley: 1, type: "theme", away: document.currentScript.hasAttribute("data-away") }, "*");
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.parley !== 1 || e.data.type !== "start") return;
    location.replace(location.href.replace(/([?&])wait=1(&|(?=#)|$)/, function (_, sep, end) { return end ? sep : ""; }));
  });
})();
