/* Content editing: a live character count for the field being edited (the server checks the limits again). */
(function () {
  "use strict";

  var say = window.staffSay;

  var field = document.getElementById("ce-value");
  var counter = document.getElementById("ce-count");
  if (!field || !counter || !field.getAttribute("data-limit")) { return; }
  var limit = parseInt(field.getAttribute("data-limit"), 10);
  var soft = parseInt(field.getAttribute("data-soft-limit") || "0", 10);

  function update() {
    var length = field.value.trim().length;
    var fields = { length: length, limit: limit, over: length - limit, soft: soft };
    counter.textContent = length > limit ? say("content_admin.count_over", fields)
      : (soft && length > soft ? say("content_admin.count_long", fields) : say("content_admin.count", fields));
    counter.classList.toggle("over", length > limit);
  }

  field.addEventListener("input", update);
  update();
})();
