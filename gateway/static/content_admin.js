/* Content editing: a live character count for the field being edited (the server checks the limits again). */
(function () {
  "use strict";

  var field = document.getElementById("ce-value");
  var counter = document.getElementById("ce-count");
  if (!field || !counter || !field.getAttribute("data-limit")) { return; }
  var limit = parseInt(field.getAttribute("data-limit"), 10);
  var soft = parseInt(field.getAttribute("data-soft-limit") || "0", 10);

  function update() {
    var length = field.value.trim().length;
    var message = length + "/" + limit + " ký tự";
    if (length > limit) { message += ": quá dài, bớt " + (length - limit) + " ký tự."; }
    else if (soft && length > soft) { message += ": dài hơn " + soft + " ký tự nên dùng cho một câu."; }
    counter.textContent = message;
    counter.classList.toggle("over", length > limit);
  }

  field.addEventListener("input", update);
  update();
})();
