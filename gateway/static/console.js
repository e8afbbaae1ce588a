/* Staff console: live queue, live transcript, canned replies.
 *
 * Polls the JSON staff API every 3 s (same-origin cookies). Everything from the server is rendered with
 * createElement/textContent only, never innerHTML, so citizen text can never become markup. The markup mirrors
 * gateway/templates/console/_macros.html: keep them in step. Without JavaScript every page still works (forms
 * post and redirect; the page just does not update by itself).
 */
(function () {
  "use strict";

  var POLL_MS = 3000;
  var TZ = "Asia/Ho_Chi_Minh";
  var say = window.staffSay;  // words.js: the page's words from content/staff.yml

  // --- small helpers -----------------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function readLabels(node) {
    try { return JSON.parse(node.getAttribute("data-labels") || "{}"); } catch (e) { return {}; }
  }

  function get(map, key) {
    return (map && Object.prototype.hasOwnProperty.call(map, key)) ? map[key] : key;
  }

  function LoginRequired() { this.name = "LoginRequired"; }
  // The conversation was deleted (by the citizen): the gateway's 410 says who and when; the page stops there.
  function Gone(message) { this.name = "Gone"; this.message = message; }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401) { throw new LoginRequired(); }
        if (response.status === 410) {
          return response.json().then(function (body) { throw new Gone(body.message); });
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  function parseTime(iso) {
    if (!iso) { return null; }
    // The database may hand back UTC times without an offset: read them as UTC, not as the browser's zone.
    var text = /([zZ]|[+-]\d\d:?\d\d)$/.test(iso) ? iso : iso + "Z";
    var date = new Date(text);
    return isNaN(date.getTime()) ? null : date;
  }

  var timeFormat = null;
  function shortTime(iso) {
    var date = parseTime(iso);
    if (!date) { return ""; }
    try {
      timeFormat = timeFormat || new Intl.DateTimeFormat("en-GB", {
        timeZone: TZ, hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", hour12: false
      });
      var parts = {};
      timeFormat.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
      return parts.hour + ":" + parts.minute + " " + parts.day + "/" + parts.month;
    } catch (e) {
      return date.toISOString().slice(11, 16);
    }
  }

  function waitedText(minutes) {
    if (minutes < 1) { return say("console.waited_under_minute"); }
    if (minutes < 60) { return say("console.minutes", { minutes: minutes }); }
    return say("console.hours_minutes", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  }

  function authorLabel(m, L) {
    if (m.author === "staff") { return get(L.author, "staff") + (m.staff ? " " + m.staff : ""); }
    return get(L.author, m.author);
  }

  function showError(node, text, loginLink) {
    if (!node) { return; }
    node.textContent = text;
    if (loginLink) {
      node.appendChild(document.createTextNode(" "));
      var a = el("a", null, say("console.login_again"));
      a.href = window.location.pathname;
      node.appendChild(a);
    }
    node.hidden = false;
  }

  function hideError(node) {
    if (node && !node.hidden) { node.hidden = true; node.textContent = ""; }
  }

  /** Calls `tick` now and every POLL_MS after it settles; stops when the session has ended. */
  function poll(tick, errorNode) {
    var failures = 0;
    function run() {
      tick().then(function () {
        failures = 0;
        hideError(errorNode);
        window.setTimeout(run, POLL_MS);
      }, function (err) {
        if (err instanceof LoginRequired) {
          showError(errorNode, say("console.session_over"), true);
          return;
        }
        if (err instanceof Gone) {
          showError(errorNode, err.message);
          document.querySelectorAll("form:not([action*='logout']) :is(button, textarea, select, input)")
            .forEach(function (node) { node.disabled = true; });
          return;
        }
        failures += 1;
        if (failures >= 2) {
          showError(errorNode, say("console.connection_lost"));
        }
        window.setTimeout(run, POLL_MS * Math.min(failures + 1, 5));
      });
    }
    window.setTimeout(run, POLL_MS);
  }

  // Submit each form once (a double click must not claim or send twice).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-submitting") === "1") { event.preventDefault(); return; }
    form.setAttribute("data-submitting", "1");
    window.setTimeout(function () { form.removeAttribute("data-submitting"); }, 5000);
  });

  // --- the queue -----------------------------------------------------------------------------------------------

  /** What the queue's functions share: the page's labels, URLs and nodes, and the cards shown (by handoff id). */
  function queueContext(root) {
    return {
      L: readLabels(root),
      list: document.getElementById("queue-list"),
      empty: document.getElementById("queue-empty"),
      count: document.getElementById("queue-count"),
      claimedCount: document.getElementById("queue-claimed"),
      announce: document.getElementById("queue-announce"),
      placeholder: root.getAttribute("data-placeholder"),
      convUrl: root.getAttribute("data-conversation-url"),
      claimUrl: root.getAttribute("data-claim-url"),
      csrf: root.getAttribute("data-csrf"),
      me: Number(root.getAttribute("data-me")),
      baseTitle: document.title,
      seen: {},   // every card shown since the page loaded: a card seen before is not announced again
      nodes: {}   // the cards on the page now
    };
  }

  function fillUrl(q, template, id) { return template.split(q.placeholder).join(String(id)); }

  /** A card's data without the waiting time, which changes every minute without a rebuild. */
  function signature(c) {
    var copy = {};
    Object.keys(c).forEach(function (k) { if (k !== "waited_minutes") { copy[k] = c[k]; } });
    return JSON.stringify(copy);
  }

  function isLate(c) { return c.status === "waiting" && c.waited_minutes >= 10; }

  function addFact(dl, term, value, wide, code) {
    var div = el("div", wide ? "wide" : null);
    div.appendChild(el("dt", null, term));
    var dd = el("dd", null, value);
    if (code) {
      dd.appendChild(document.createTextNode(" "));
      dd.appendChild(el("code", null, code));
    }
    div.appendChild(dd);
    dl.appendChild(div);
  }

  function cardHead(q, c) {
    var head = el("div", "card-head");
    var h2 = el("h2", "card-title");
    h2.id = "card-" + c.handoff_id + "-title";
    var link = el("a", null, say("queue.card_title", { id: c.conversation_id }));
    link.href = fillUrl(q, q.convUrl, c.conversation_id);
    h2.appendChild(link);
    head.appendChild(h2);
    var badge;
    if (c.status === "waiting") {
      badge = el("p", "badge badge-waiting", get(q.L.status, "waiting") + " · ");
      badge.appendChild(el("span", "card-waited", waitedText(c.waited_minutes)));
    } else {
      badge = el("p", "badge badge-claimed", c.claimed_by_id === q.me ? say("queue.you_help")
        : say("queue.someone_helps", { name: c.claimed_by || get(q.L.author, "staff") }));
    }
    head.appendChild(badge);
    return head;
  }

  function cardFacts(q, c) {
    var L = q.L;
    var dl = el("dl", "facts");
    addFact(dl, say("queue.fact_channel"), get(L.channel, c.channel));
    var total = c.flow && L.steps ? L.steps[c.flow] : null;
    var where = c.step ? (total ? say("queue.at_step_of", { step: c.step, total: total })
      : say("queue.at_step", { step: c.step })) : say("queue.no_step");
    addFact(dl, say("queue.fact_where"), where + (c.flow ? " · " + (c.flow_title || c.flow) : ""));
    if (c.problem) {
      addFact(dl, say("queue.fact_problem"), c.problem_title || c.problem, true, c.problem);
    } else {
      addFact(dl, say("queue.fact_problem"), say("queue.unknown_problem"), true);
    }
    addFact(dl, say("queue.fact_tried"), (c.tried && c.tried.length)
      ? c.tried.map(function (t) { return t.title; }).join("; ") : say("queue.nothing_tried"), true);
    addFact(dl, say("queue.fact_reason"), get(L.reason, c.reason), true);
    if (c.helper) { addFact(dl, get(L.card_words, "helper_fact"), get(L.card_words, "helper"), true); }
    return dl;
  }

  function cardRecent(q, c) {
    var shown = (c.transcript || []).filter(function (m) { return m.text; });
    if (!shown.length) { return []; }
    var ol = el("ol", "mini");
    shown.forEach(function (m) {
      var item = el("li", "mini-" + m.author);
      item.appendChild(el("span", "msg-who", authorLabel(m, q.L) + ":"));
      item.appendChild(document.createTextNode(" " + m.text));
      ol.appendChild(item);
    });
    return [el("h3", "mini-title", say("queue.recent")), ol];
  }

  function claimForm(q, c, suffix) {
    var form = el("form", "inline");
    form.method = "post";
    form.action = fillUrl(q, q.claimUrl, c.handoff_id);
    var token = el("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = q.csrf;
    form.appendChild(token);
    var button = el("button", "btn btn-primary", say("audit_actions.claim"));
    button.type = "submit";
    button.appendChild(el("span", "visually-hidden", suffix));
    form.appendChild(button);
    return form;
  }

  function cardActions(q, c) {
    var actions = el("div", "card-actions");
    var suffix = " " + say("queue.for_conversation", { id: c.conversation_id });
    if (c.status === "waiting") { actions.appendChild(claimForm(q, c, suffix)); }
    var open = el("a", "btn", say("queue.open_card"));
    open.href = fillUrl(q, q.convUrl, c.conversation_id);
    open.appendChild(el("span", "visually-hidden", suffix));
    actions.appendChild(open);
    return actions;
  }

  /** One card, as console/_macros.html `queue_card` renders it. */
  function buildCard(q, c) {
    var li = el("li", "card card-" + c.status + (isLate(c) ? " card-late" : ""));
    li.setAttribute("data-handoff-id", String(c.handoff_id));
    li.setAttribute("data-sig", signature(c));
    var article = el("article");
    article.setAttribute("aria-labelledby", "card-" + c.handoff_id + "-title");
    article.appendChild(cardHead(q, c));
    article.appendChild(cardFacts(q, c));
    if (c.callback) {  // masked by the gateway: a list never shows a call-back number in full
      var callback = el("p", "card-callback", get(q.L.callback_words, "queue_fact") + ": ");
      callback.appendChild(el("span", "phone", c.callback));
      article.appendChild(callback);
    }
    cardRecent(q, c).forEach(function (node) { article.appendChild(node); });
    article.appendChild(cardActions(q, c));
    li.appendChild(article);
    return li;
  }

  /** Puts the list in step with `cards` (removed, rebuilt when changed, added, waiting times updated); returns
   *  the cards that started waiting since the last poll. */
  function syncCards(q, cards) {
    var wanted = {};
    var fresh = [];
    cards.forEach(function (c) { wanted[String(c.handoff_id)] = true; });
    Object.keys(q.nodes).forEach(function (id) {
      if (!wanted[id]) {
        if (q.nodes[id].parentNode === q.list) { q.list.removeChild(q.nodes[id]); }
        delete q.nodes[id];
      }
    });
    cards.forEach(function (c, index) {
      var id = String(c.handoff_id);
      var node = q.nodes[id];
      if (node && node.getAttribute("data-sig") !== signature(c)) {
        var hadFocus = node.contains(document.activeElement);
        var replacement = buildCard(q, c);
        q.list.replaceChild(replacement, node);
        node = replacement;
        if (hadFocus) { replacement.querySelector("a").focus(); }
      } else if (!node) {
        node = buildCard(q, c);
        if (!q.seen[id]) {
          node.className += " card-new";
          if (c.status === "waiting") { fresh.push(c); }
        }
      } else {
        var waited = node.querySelector(".card-waited");
        if (waited) { waited.textContent = waitedText(c.waited_minutes); }
        node.classList.toggle("card-late", isLate(c));
      }
      q.nodes[id] = node;
      q.seen[id] = true;
      if (q.list.children[index] !== node) { q.list.insertBefore(node, q.list.children[index] || null); }
    });
    return fresh;
  }

  /** The counts above the list, the empty note and the tab's title. */
  function showCounts(q, cards) {
    var waiting = cards.filter(function (c) { return c.status === "waiting"; }).length;
    q.count.textContent = String(waiting);
    q.claimedCount.textContent = String(cards.length - waiting);
    q.empty.hidden = cards.length > 0;
    document.title = (waiting ? "(" + waiting + ") " : "") + q.baseTitle;
  }

  /** Tells screen readers who started waiting. */
  function announceFresh(q, fresh) {
    if (!fresh.length) { return; }
    var first = fresh[0];
    q.announce.textContent = fresh.length > 1 ? say("queue.announce_many", { count: fresh.length })
      : (first.problem_title ? say("queue.announce_one_problem", { id: first.conversation_id, problem: first.problem_title })
        : say("queue.announce_one", { id: first.conversation_id }));
  }

  function initQueue(root) {
    var q = queueContext(root);
    var live = document.getElementById("queue-live");
    if (live) { live.hidden = false; }
    Array.prototype.forEach.call(q.list.children, function (li) {
      var id = li.getAttribute("data-handoff-id");
      q.seen[id] = true;
      q.nodes[id] = li;
    });
    poll(function () {
      return fetchJSON(root.getAttribute("data-queue-url")).then(function (cards) {
        var fresh = syncCards(q, cards);
        showCounts(q, cards);
        announceFresh(q, fresh);
      });
    }, document.getElementById("poll-error"));
  }

  // --- one conversation ------------------------------------------------------------------------------------------

  function buildMessage(m, L) {
    var li = el("li", "msg msg-" + m.author);
    li.setAttribute("data-id", String(m.id));
    var meta = el("p", "msg-meta");
    meta.appendChild(el("span", "msg-who", authorLabel(m, L)));
    meta.appendChild(document.createTextNode(" "));
    var time = el("time", null, shortTime(m.at));
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
    var L = readLabels(box);
    var list = document.getElementById("messages");
    var errorNode = document.getElementById("poll-error");
    var changed = document.getElementById("state-changed");
    var lastId = Number(box.getAttribute("data-last-id")) || 0;
    var state = box.getAttribute("data-state");
    var assigned = box.getAttribute("data-assigned");
    var messagesUrl = box.getAttribute("data-messages-url");

    box.scrollTop = box.scrollHeight;

    function checkState() {
      return fetchJSON(box.getAttribute("data-conversation-api")).then(function (view) {
        var nowAssigned = view.assigned_staff_id === null ? "" : String(view.assigned_staff_id);
        if (view.state !== state || nowAssigned !== assigned) { changed.hidden = false; }
      });
    }

    function tick() {
      return fetchJSON(messagesUrl + "?after=" + lastId).then(function (messages) {
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

    poll(tick, errorNode);
  }

  // --- canned replies --------------------------------------------------------------------------------------------

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

  // --- start -----------------------------------------------------------------------------------------------------

  var queueRoot = document.getElementById("queue");
  if (queueRoot) { initQueue(queueRoot); }
  var transcript = document.getElementById("transcript");
  if (transcript) { initConversation(transcript); }
  var replyForm = document.getElementById("reply-form");
  if (replyForm) { initCanned(replyForm); }
})();
