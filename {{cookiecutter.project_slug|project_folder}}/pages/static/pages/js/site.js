// Proof that the script was served and ran: fills in the checklist on the home page.
// Loaded with `defer`, so the document is parsed when this runs.
(function () {
  "use strict";

  function mark(name, ok, text) {
    var item = document.querySelector('[data-check="' + name + '"]');
    if (!item) {
      return;
    }
    item.dataset.state = ok ? "ok" : "failed";
    item.querySelector(".result").textContent = text;
  }

  document.documentElement.dataset.script = "ran";
  mark("script", true, "ran");

  var sheet = getComputedStyle(document.querySelector(".site-header")).backgroundColor;
  mark("stylesheet", sheet !== "rgba(0, 0, 0, 0)", sheet !== "rgba(0, 0, 0, 0)" ? "applied" : "missing");

  if (document.fonts) {
    document.fonts.ready.then(function () {
      var loaded = document.fonts.check('1em "Site Sans"');
      mark("font", loaded, loaded ? "loaded" : "not loaded");
    });
  }

  var images = Array.prototype.slice.call(document.images);
  Promise.all(images.map(function (img) {
    return img.decode().then(function () { return true; }, function () { return false; });
  })).then(function (results) {
    var decoded = results.filter(Boolean).length;
    mark("images", decoded === images.length, decoded + " of " + images.length + " decoded");
  });
})();
