// lakala console: live updates (server-sent events) and typed confirmations.
// Served by the console itself; the pages work without it (reload to see changes).
"use strict";
(function () {
  function fragment(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }
  var url = document.body.getAttribute("data-live");
  var state = document.getElementById("live-state");
  if (url && window.EventSource) {
    var source = new EventSource(url);
    source.addEventListener("open", function () {
      if (state) state.textContent = "live";
    });
    source.addEventListener("error", function () {
      if (state) state.textContent = "live updates reconnecting";
    });
    source.addEventListener("row", function (e) {
      var row = fragment(e.data);
      var rows = document.getElementById("rows");
      if (!row || !rows) return;
      var old = document.getElementById(row.id);
      if (old) old.replaceWith(row); else rows.prepend(row);
      row.classList.add("fresh");
      var empty = document.getElementById("no-rows");
      if (empty) empty.remove();
    });
    source.addEventListener("entry", function (e) {
      var entry = fragment(e.data);
      var list = document.getElementById("timeline");
      if (!entry || !list || document.getElementById(entry.id)) return;
      list.append(entry);
      entry.classList.add("fresh");
    });
    source.addEventListener("status", function (e) {
      var s = document.getElementById("status");
      if (s) s.innerHTML = e.data;
    });
  }
  // A typed confirmation: the button stays disabled until the operator types the value.
  document.querySelectorAll("input[data-expect]").forEach(function (input) {
    var button = input.form && input.form.querySelector("button[type=submit]");
    if (!button) return;
    var check = function () {
      button.disabled = input.value.trim() !== input.getAttribute("data-expect");
    };
    input.addEventListener("input", check);
    check();
  });
})();
