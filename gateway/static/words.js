/* The staff pages' words for their scripts: content/staff.yml groups that the page carries as JSON in
 * <body data-staff-words> (gateway/web_words.py, console/base.html; no inline script under the CSP).
 *
 *   var say = window.staffSay;
 *   say("queue.announce_one", { id: 12 })   // the label, {fields} filled in; the key itself when missing
 *
 * Loaded (deferred) before the other staff scripts; the bundle is read on the first call.
 */
(function () {
  "use strict";

  var bundle = null;
  var has = function (map, key) { return !!map && Object.prototype.hasOwnProperty.call(map, key); };

  function load() {
    try { return JSON.parse(document.body.getAttribute("data-staff-words") || "{}") || {}; } catch (e) { return {}; }
  }

  window.staffSay = function (path, fields) {
    bundle = bundle || load();
    var dot = path.indexOf(".");
    var group = bundle[path.slice(0, dot)];
    var key = path.slice(dot + 1);
    if (!has(group, key)) {
      if (window.console) { window.console.warn("staff words: no label for " + path); }
      return key;
    }
    return String(group[key]).replace(/\{([A-Za-z_][\w.]*)\}/g, function (field, name) {
      return has(fields, name) ? String(fields[name]) : field;
    });
  };
})();
