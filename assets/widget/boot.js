// Starts a Go front end (widget or desktop). go-app mounts into the body's first
// element; #boot is the loading state until the widget takes over. The
// performance marks show where a start's time goes when it is profiled.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.getAttribute("data-wasm");
  var go = new Go();
  performance.mark("parley:boot");
  var fetched = fetch(url, { credentials: "same-origin" });
  var start = WebAssembly.instantiateStreaming
    ? WebAssembly.instantiateStreaming(fetched, go.importObject)
    : fetched.then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
  start.then(function (result) {
    performance.mark("parley:instantiated");
    go.run(result.instance);
  }).catch(function (err) {
    var boot = document.getElementById("boot");
    if (boot) {
      boot.textContent = script.getAttribute("data-failed") || "This page could not load. Reload it to try again.";
      boot.classList.add("failed");
    }
    console.error("parley:", err);
  });
})();
