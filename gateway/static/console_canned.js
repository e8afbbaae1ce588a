/* Staff console: the reply form's canned replies (console/conversation.html). Shows the chosen reply, inserts it at
 * the end of the text, and Ctrl/Cmd+Enter sends. Starts itself when the page has #reply-form; needs words.js.
 */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml

  function initCanned(form) {
    var select = document.getElementById("canned");
    var insert = document.getElementById("canned-insert");
    var textarea = document.getElementById("reply-text");
    var preview = document.getElementById("canned-preview");
    var send = document.getElementById("reply-send");
    if (!select || !insert || !textarea) { return; }

    function chosenText() {
      var option = select.options[select.selectedIndex];
      return option ? option.getAttribute("data-text") || "" : "";
    }

    function showPreview() {
      var text = chosenText();
      preview.textContent = text ? say("conversation.canned_preview", { text: text }) : "";
      preview.hidden = !text;
    }

    select.addEventListener("change", showPreview);
    showPreview();

    insert.addEventListener("click", function (event) {
      event.preventDefault();
      var text = chosenText();
      if (!text) { select.focus(); return; }
      var current = textarea.value.replace(/\s+$/, "");
      textarea.value = current ? current + "\n" + text : text;
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    });

    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(send); } else { send.click(); }
      }
    });
  }

  var replyForm = document.getElementById("reply-form");
  if (replyForm) { initCanned(replyForm); }
})();
