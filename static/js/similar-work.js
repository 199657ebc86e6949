/* "Has this been done before?": refresh the similar-work panel as the author types.
   Without this script the form's "Check for similar work" button does the same. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-similar-url]");
  if (!panel || !window.fetch) return;
  var form = panel.closest("form");
  var title = form.querySelector(panel.getAttribute("data-similar-title") || "[name=title]");
  var summary = form.querySelector(panel.getAttribute("data-similar-summary") || "[name=summary]");
  if (!title || !summary) return;
  var url = panel.getAttribute("data-similar-url");
  var exclude = panel.getAttribute("data-similar-exclude") || "";
  var timer = null;
  var latest = 0;
  var lastText = null;

  function refresh() {
    var text = title.value.trim() + "\n" + summary.value.trim();
    if (text === lastText || text.trim().length < 4) return;
    lastText = text;
    var request = ++latest;
    var query = "?title=" + encodeURIComponent(title.value) +
      "&summary=" + encodeURIComponent(summary.value) +
      "&exclude=" + encodeURIComponent(exclude);
    fetch(url + query, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && request === latest) panel.innerHTML = html;
      })
      .catch(function () {});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  title.addEventListener("input", later);
  summary.addEventListener("input", later);
})();
