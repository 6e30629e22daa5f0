// Starts the widget's Go program. go-app mounts into the body's first
// element; #boot is the loading state until the widget takes over.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.getAttribute("data-wasm");
  var go = new Go();
  var fetched = fetch(url, { credentials: "same-origin" });
  var start = WebAssembly.instantiateStreaming
    ? WebAssembly.instantiateStreaming(fetched, go.importObject)
    : fetched.then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
  start.then(function (result) {
    go.run(result.instance);
  }).catch(function (err) {
    var boot = document.getElementById("boot");
    if (boot) boot.textContent = "The chat could not load. Reload the page to try again.";
    console.error("parley widget:", err);
  });
})();
