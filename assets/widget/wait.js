// The widget's page before the visitor has shown any intent (the embed
// loader framed it with "wait"): it only fetches the widget's WebAssembly
// into the cache, off the main thread, which this frame may share with
// the host page (a same-site page, or a browser that does not isolate
// sites). Compiling and starting the widget is long work on that thread,
// so it waits for the loader's "start" and then becomes the widget's page.
(function () {
  "use strict";
  var url = document.currentScript.getAttribute("data-wasm");
  // Read to the end, so it is cached, in small chunks kept nowhere.
  fetch(url, { credentials: "same-origin" })
    .then(function (r) { return r.body.pipeTo(new WritableStream()); })
    .catch(function () {});
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.parley !== 1 || e.data.type !== "start") return;
    location.replace(location.href.replace(/([?&])wait=1(&|(?=#)|$)/, function (_, sep, end) { return end ? sep : ""; }));
  });
})();
