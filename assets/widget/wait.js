// The widget's page before the visitor has shown any intent (the embed
// loader framed it with "wait"): its <link rel=prefetch> brings the
// widget's WebAssembly into the cache, all off the main thread, which this
// frame may share with the host page (a same-site page, or a browser that
// does not isolate sites). Compiling and starting the widget is long work
// on that thread (0.4-2.5 s), so this page waits for the loader's "start"
// and then becomes the widget's page, which finds the WASM in the cache.
(function () {
  "use strict";
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.parley !== 1 || e.data.type !== "start") return;
    location.replace(location.href.replace(/([?&])wait=1(&|(?=#)|$)/, function (_, sep, end) { return end ? sep : ""; }));
  });
})();
