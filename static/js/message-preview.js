// Live preview on the message editor: as a manager types, the page is asked for its preview
// (the same POST as the Preview button) and the preview section is swapped for the new one.
// Without JavaScript the Preview button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  if (!form) { return; }
  var target = document.getElementById(form.getAttribute("data-live-preview"));
  var timer = null;
  var latest = 0;

  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    var asked = ++latest;
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || asked !== latest) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(target.id);
      if (fresh) { target.innerHTML = fresh.innerHTML; }
    }).catch(function () { /* the Preview button still works */ });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  });
  form.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") { refresh(); }
  });
})();
