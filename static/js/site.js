/* NHS.UK frontend's components (header menu, error summary focus, exclusive checkboxes,
   skip link) start here. Without JavaScript, or in a browser without modules, every page
   still works: the menu shows every link and forms submit as usual. */
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

/* Digest topics: with "Everything" ticked the topic list is hidden, so the keyboard goes
   straight past it (NHS.UK's exclusive checkbox has already cleared the topics). */
for (const everything of document.querySelectorAll("[data-behaviour='exclusive'][data-behaviour-group='topics']")) {
  const list = everything.closest("fieldset")?.querySelector(".topics-picker__group");
  if (!list) continue;
  const sync = () => { list.hidden = everything.checked; };
  everything.addEventListener("change", sync);
  sync();
}

/* A stale form (someone else saved the item after it was opened): the save was refused, so
   focus moves to the warning that says so and what they changed, as NHS.UK's error summary
   does for a form's errors (which, when there are any, keep focus). */
const stale = document.getElementById("stale");
if (stale && !document.querySelector(".nhsuk-error-summary")) stale.focus();
