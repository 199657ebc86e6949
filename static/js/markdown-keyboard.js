// django-markdownx turns Tab and Shift+Tab inside its editor into indenting, so someone using
// a keyboard cannot leave the box to reach Publish (WCAG 2.1.2, no keyboard trap). This
// listener runs first (capture, on the document) and keeps Tab from reaching the editor's own
// handler: Tab and Shift+Tab move focus as in every other field, and Ctrl+] and Ctrl+[
// still indent and un-indent. Esc leaves the editor too, to the next field.
(function () {
  "use strict";

  function isEditor(element) {
    return element instanceof HTMLTextAreaElement && element.classList.contains("markdownx-editor");
  }

  document.addEventListener("keydown", function (event) {
    if (!isEditor(event.target)) {
      return;
    }
    if (event.key === "Tab") {
      event.stopPropagation();
    } else if (event.key === "Escape") {
      var fields = Array.prototype.filter.call(
        document.querySelectorAll("input, select, textarea, button, a[href]"),
        function (el) { return !el.disabled && el.type !== "hidden" && el.offsetParent !== null; }
      );
      var next = fields[fields.indexOf(event.target) + 1];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    }
  }, true);
})();
