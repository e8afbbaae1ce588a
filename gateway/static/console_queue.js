/* Staff console: the live queue (console/queue.html). Polls the queue's JSON every 3 s and keeps the cards in step
 * with it: removed, rebuilt when changed, added, waiting times updated; the counts, the tab's title, and a line for
 * screen readers when someone starts waiting. The cards mirror `queue_card` in gateway/templates/console/_macros.html:
 * keep them in step. Starts itself when the page has #queue; needs words.js and console_common.js before it.
 */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml
  var C = window.VNeIDConsole;  // console_common.js
  var el = C.el, get = C.get, waitedText = C.waitedText, authorLabel = C.authorLabel;

  /** What the queue's functions share: the page's labels, URLs and nodes, and the cards shown (by handoff id). */
  function queueContext(root) {
    return {
      L: C.readLabels(root),
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
    C.poll(function () {
      return C.fetchJSON(root.getAttribute("data-queue-url")).then(function (cards) {
        var fresh = syncCards(q, cards);
        showCounts(q, cards);
        announceFresh(q, fresh);
      });
    }, document.getElementById("poll-error"));
  }

  var queueRoot = document.getElementById("queue");
  if (queueRoot) { initQueue(queueRoot); }
})();
