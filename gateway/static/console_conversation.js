/* Staff console: a conversation's live transcript (console/conversation.html). Polls for messages after the last one
 * shown and appends them (createElement/textContent only), keeping the view at the bottom when it was there, and
 * shows a note when the conversation's state or assignee changed. The messages mirror `message` in
 * console/_macros.html: keep them in step. Starts itself when the page has #transcript; needs words.js and
 * console_common.js before it.
 */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml
  var C = window.VNeIDConsole;  // console_common.js
  var el = C.el, get = C.get;

  function buildMessage(m, L) {
    var li = el("li", "msg msg-" + m.author);
    li.setAttribute("data-id", String(m.id));
    var meta = el("p", "msg-meta");
    meta.appendChild(el("span", "msg-who", C.authorLabel(m, L)));
    meta.appendChild(document.createTextNode(" "));
    var time = el("time", null, C.shortTime(m.at));
    time.setAttribute("datetime", m.at || "");
    meta.appendChild(time);
    li.appendChild(meta);
    if (m.text) { li.appendChild(el("p", "msg-text", m.text)); }
    if (m.buttons && m.buttons.length) {
      var buttons = el("p", "msg-extra", say("conversation.buttons") + " ");
      m.buttons.forEach(function (b) { buttons.appendChild(el("span", "chip", b)); });
      li.appendChild(buttons);
    }
    if (m.image) { li.appendChild(el("p", "msg-extra", say("conversation.image"))); }
    if (m.delivery && L.delivery && Object.prototype.hasOwnProperty.call(L.delivery, m.delivery)) {
      li.appendChild(el("p", "msg-extra msg-undelivered", L.delivery[m.delivery]));
    }
    if (m.sensitive && m.sensitive.length) {
      li.appendChild(el("p", "msg-extra msg-redacted", say("conversation.redacted",
        { kinds: m.sensitive.map(function (k) { return get(L.sensitive, k); }).join(", ") })));
    }
    return li;
  }

  function initConversation(box) {
    var L = C.readLabels(box);
    var list = document.getElementById("messages");
    var errorNode = document.getElementById("poll-error");
    var changed = document.getElementById("state-changed");
    var lastId = Number(box.getAttribute("data-last-id")) || 0;
    var state = box.getAttribute("data-state");
    var assigned = box.getAttribute("data-assigned");
    var messagesUrl = box.getAttribute("data-messages-url");

    box.scrollTop = box.scrollHeight;

    function checkState() {
      return C.fetchJSON(box.getAttribute("data-conversation-api")).then(function (view) {
        var nowAssigned = view.assigned_staff_id === null ? "" : String(view.assigned_staff_id);
        if (view.state !== state || nowAssigned !== assigned) { changed.hidden = false; }
      });
    }

    function tick() {
      return C.fetchJSON(messagesUrl + "?after=" + lastId).then(function (messages) {
        var fresh = messages.filter(function (m) { return m.id > lastId; });
        if (!fresh.length) { return null; }
        var nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
        var empty = box.querySelector(".empty");
        if (empty) { empty.parentNode.removeChild(empty); }
        fresh.forEach(function (m) {
          if (m.text || (m.buttons && m.buttons.length) || m.image) { list.appendChild(buildMessage(m, L)); }
          lastId = Math.max(lastId, m.id);
        });
        box.setAttribute("data-last-id", String(lastId));
        if (nearBottom) { box.scrollTop = box.scrollHeight; }
        return changed.hidden ? checkState() : null;
      });
    }

    C.poll(tick, errorNode);
  }

  var transcript = document.getElementById("transcript");
  if (transcript) { initConversation(transcript); }
})();
