/* Staff console: what every console page does, whatever else it shows: each form is submitted once (a double
 * click must not claim or send twice). Without JavaScript every page still works (forms post and redirect).
 *
 * The live parts start themselves on the pages that load them, each after console_common.js (the helpers they
 * share): console_queue.js on the queue, console_conversation.js and console_canned.js on a conversation.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-submitting") === "1") { event.preventDefault(); return; }
    form.setAttribute("data-submitting", "1");
    window.setTimeout(function () { form.removeAttribute("data-submitting"); }, 5000);
  });
})();
