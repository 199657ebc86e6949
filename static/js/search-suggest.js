/* Suggestions as you type in the header search box: the ARIA 1.2 combobox pattern.
   Without this script the box is a plain search form that goes to /search/. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var url = form.getAttribute("data-suggest-url");
  var listbox = document.createElement("ul");
  var status = document.createElement("p");
  var options = [];
  var active = -1;
  var timer = null;
  var latest = 0;

  listbox.id = input.id + "-suggestions";
  listbox.className = "suggestions";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Suggestions");
  listbox.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  form.classList.add("header-search--enhanced");
  form.appendChild(listbox);
  form.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(items) {
    listbox.textContent = "";
    options = items.map(function (item, i) {
      var li = document.createElement("li");
      var kind = document.createElement("span");
      li.id = listbox.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = "suggestions__option";
      li.dataset.url = item.url;
      li.appendChild(document.createTextNode(item.label));
      kind.className = "suggestions__kind";
      kind.textContent = " " + item.kind;
      li.appendChild(kind);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep focus in the box until we navigate
        window.location.href = item.url;
      });
      listbox.appendChild(li);
      return li;
    });
    active = -1;
    if (options.length) {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = options.length + " suggestion" + (options.length === 1 ? "" : "s") + ", use the arrow keys to choose";
    } else {
      close();
      status.textContent = "";
    }
  }

  function fetchSuggestions() {
    var text = input.value.trim();
    if (text.length < 2) { render([]); return; }
    var request = ++latest;
    fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) { if (request === latest) render(data.suggestions || []); })
      .catch(function () { render([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 200);
  });
  input.addEventListener("keydown", function (event) {
    var open = !listbox.hidden && options.length;
    if (event.key === "ArrowDown") {
      if (!open) { fetchSuggestions(); return; }
      event.preventDefault();
      highlight(active + 1 >= options.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      window.location.href = options[active].dataset.url;
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(); } else { input.value = ""; }
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
