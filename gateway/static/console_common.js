/* Staff console: what the live parts of the console pages share, on one namespace, window.VNeIDConsole.
 *
 * Building nodes (createElement/textContent only, never innerHTML, so citizen text can never become markup), the
 * labels a page passes in data-labels, fetching the JSON staff API (same-origin cookies), times in Vietnam's zone,
 * the poll every 3 s with its error line. Loaded (deferred) by console/base.html on every console page, after
 * words.js and before the page's own parts (console_queue.js, console_conversation.js, …), which start themselves.
 */
(function () {
  "use strict";

  var POLL_MS = 3000;
  var TZ = "Asia/Ho_Chi_Minh";
  var say = window.staffSay;  // words.js: the page's words from content/staff.yml

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

  /** Calls `tick` in POLL_MS and every POLL_MS after it settles; stops when the session has ended. */
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

  window.VNeIDConsole = {
    el: el,
    readLabels: readLabels,
    get: get,
    fetchJSON: fetchJSON,
    shortTime: shortTime,
    waitedText: waitedText,
    authorLabel: authorLabel,
    poll: poll
  };
})();
