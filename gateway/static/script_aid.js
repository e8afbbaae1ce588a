/* Hotline script aid (script_aid/page.html): the call's place in the steps and problem scripts, moved by clicks and
 * keys, rendered from data-* attributes of #aid (no inline script under the CSP), announced to screen readers and kept
 * in the address. Shares the call's state on window.VNeIDConsole.scriptAid with script_aid_said.js (the caller's
 * words) and script_aid_record.js (the call's outcome), loaded after it. Starts itself when the page has #aid.
 */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml
  var root = document.getElementById("aid");
  if (!root) { return; }

  var data = JSON.parse(root.getAttribute("data-aid"));
  var state = {
    flow: root.getAttribute("data-flow") || null,
    step: parseInt(root.getAttribute("data-step"), 10) || 1,
    problem: root.getAttribute("data-problem") || null
  };
  var live = document.getElementById("aid-live");
  var main = document.getElementById("main");
  var said = document.getElementById("aid-said");
  var recordForm = document.getElementById("aid-record");
  var recordSend = document.getElementById("aid-record-send");

  function $all(selector, scope) { return Array.prototype.slice.call((scope || document).querySelectorAll(selector)); }
  function total() { return state.flow ? data.flows[state.flow].total : 0; }
  function stepProblems() { return state.flow ? data.flows[state.flow].steps[state.step - 1] : []; }
  function card() { return state.flow ? document.getElementById("step-" + state.flow + "-" + state.step) : null; }
  function problemTitle(code) { return code && data.problems[code] ? data.problems[code].title : ""; }

  function text(node, value) { node.textContent = value; }

  function stepSay() {
    var c = card();
    var line = c ? c.querySelector(".aid-say") : null;
    return line ? line.textContent : "";
  }

  function announce(message) {
    // Clear first so the same text is read again when it repeats.
    text(live, "");
    window.setTimeout(function () { text(live, message); }, 30);
  }

  function visible(node) { return !!node && !node.closest("[hidden]"); }

  function render(options) {
    options = options || {};
    var focusClass = null, focusKey = null, active = document.activeElement;
    if (active && active !== document.body && root.contains(active)) {
      if (active.classList.contains("aid-next")) { focusClass = "aid-next"; }
      else if (active.classList.contains("aid-prev")) { focusClass = "aid-prev"; }
      else if (active.classList.contains("aid-problem")) { focusClass = "aid-problem"; focusKey = active.getAttribute("data-key"); }
    }
    $all(".aid-step-card").forEach(function (node) {
      node.hidden = !(node.getAttribute("data-flow") === state.flow && parseInt(node.getAttribute("data-step"), 10) === state.step);
    });
    $all(".aid-flow-intro").forEach(function (node) { node.hidden = node.getAttribute("data-flow") !== state.flow; });
    document.getElementById("aid-no-flow").hidden = !!state.flow;
    $all(".aid-flow").forEach(function (link) {
      if (link.getAttribute("data-flow") === state.flow) { link.setAttribute("aria-current", "true"); }
      else { link.removeAttribute("aria-current"); }
    });
    $all(".aid-problem").forEach(function (link) {
      if (visible(link) && link.getAttribute("data-problem") === state.problem) { link.setAttribute("aria-current", "true"); }
      else { link.removeAttribute("aria-current"); }
    });
    $all(".aid-problem-script").forEach(function (node) { node.hidden = node.getAttribute("data-problem") !== state.problem; });
    document.getElementById("aid-script-empty").hidden = !!state.problem;

    document.getElementById("aid-rec-flow").value = state.flow || "";
    document.getElementById("aid-rec-step").value = state.flow ? String(state.step) : "";
    document.getElementById("aid-rec-problem").value = state.problem || "";
    var summary = state.flow ? say("script_aid.at", { flow: state.flow, step: state.step }) : say("script_aid.no_flow");
    if (state.problem) { summary += " · " + problemTitle(state.problem); }
    text(document.getElementById("aid-rec-summary"), summary);

    var query = [];
    if (state.flow) { query.push("flow=" + state.flow, "step=" + state.step); }
    if (state.problem) { query.push("problem=" + encodeURIComponent(state.problem)); }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + (query.length ? "?" + query.join("&") : ""));
    }

    // Keep the keyboard focus visible when the control it was on has just been hidden.
    if (active && root.contains(active) && !visible(active)) {
      var c = card(), target = null;
      if (c && focusClass === "aid-problem") { target = c.querySelector('.aid-problem[data-key="' + focusKey + '"]'); }
      if (c && !target && focusClass) { target = c.querySelector("." + focusClass) || c.querySelector(".aid-next, .aid-prev"); }
      if (target) { target.focus(); } else { main.focus(); }
    }
    if (options.announce !== false) {
      if (options.message) { announce(options.message); }
      else if (state.flow) {
        announce(say("script_aid.announce_step", { flow: state.flow, step: state.step, total: total(), say: stepSay() }));
      }
    }
  }

  function setFlow(code, message) {
    if (!data.flows[code]) { return; }
    state.flow = code;
    state.step = 1;
    state.problem = null;
    render({ message: message });
  }

  function move(delta) {
    if (!state.flow) { return; }
    var next = Math.min(Math.max(state.step + delta, 1), total());
    if (next === state.step) { return; }
    state.step = next;
    if (state.problem && stepProblems().indexOf(state.problem) < 0) { state.problem = null; }
    render();
  }

  function openProblem(code, message) {
    if (!data.problems[code]) { return; }
    state.problem = code;
    render({ message: message || say("script_aid.opened", { title: problemTitle(code) }) });
  }

  function closeProblem() {
    if (!state.problem) { return; }
    state.problem = null;
    render({ message: say("script_aid.closed") });
  }

  function pickProblem(number) {
    var codes = stepProblems();
    if (number >= 1 && number <= codes.length) { openProblem(codes[number - 1]); }
  }

  /* Where a problem belongs: stay if it is at this step, else the nearest step of this flow, else its first place. */
  function jumpToProblem(code) {
    var where = (data.problems[code] || {}).where || [];
    var here = where.filter(function (w) { return w[0] === state.flow; });
    if (state.flow && here.some(function (w) { return w[1] === state.step; })) {
      // stay
    } else if (here.length) {
      here.sort(function (a, b) { return Math.abs(a[1] - state.step) - Math.abs(b[1] - state.step); });
      state.step = here[0][1];
    } else if (where.length) {
      state.flow = where[0][0];
      state.step = where[0][1];
    }
    state.problem = code;
  }

  // --- clicks (links keep working without JavaScript) -------------------------------------------------------------

  root.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || !root.contains(link) || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    if (link.classList.contains("aid-flow")) { event.preventDefault(); setFlow(link.getAttribute("data-flow")); }
    else if (link.classList.contains("aid-next")) { event.preventDefault(); move(1); }
    else if (link.classList.contains("aid-prev")) { event.preventDefault(); move(-1); }
    else if (link.classList.contains("aid-problem")) {
      event.preventDefault();
      if (state.problem === link.getAttribute("data-problem")) { closeProblem(); }
      else { openProblem(link.getAttribute("data-problem")); }
    }
  });

  // --- keyboard ---------------------------------------------------------------------------------------------------

  function typing(node) {
    if (!node || !node.tagName) { return false; }
    var tag = node.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || node.isContentEditable;
  }

  function interactive(node) {
    if (!node || !node.tagName) { return false; }
    var tag = node.tagName.toLowerCase();
    return tag === "a" || tag === "button" || typing(node) || tag === "summary";
  }

  function focusOutcome() {
    var radios = $all('input[name="outcome"]', recordForm);
    var chosen = radios.filter(function (r) { return r.checked; })[0];
    if (!chosen) { chosen = radios[0]; chosen.checked = true; }
    chosen.focus();
    announce(say("script_aid.outcome_focus", { outcome: chosen.labels[0].textContent }));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    var target = event.target;

    if (target === said) {
      if (event.key === "Escape") { event.preventDefault(); main.focus(); }
      return;  // Enter submits the parse form
    }
    if (recordForm.contains(target) && target.name === "outcome") {
      if (event.key === "Enter") {
        event.preventDefault();
        if (recordForm.requestSubmit) { recordForm.requestSubmit(recordSend); } else { recordSend.click(); }
      } else if (event.key === "Escape") {
        event.preventDefault();
        main.focus();
      }
      return;
    }
    if (typing(target)) { return; }

    var key = event.key;
    var handled = true;
    if (key === "ArrowRight" || key === "j" || key === "J" || key === "n" || key === "N") { move(1); }
    else if (key === "ArrowLeft" || key === "k" || key === "K" || key === "p" || key === "P") { move(-1); }
    else if (key === "a" || key === "A") { setFlow("A"); }
    else if (key === "b" || key === "B") { setFlow("B"); }
    else if (/^[1-9]$/.test(key)) { pickProblem(parseInt(key, 10)); }
    else if (key === "0" || key === "Escape") { closeProblem(); }
    else if (key === "/" || key === "s" || key === "S") { said.focus(); }
    else if (key === "Enter" && !interactive(target)) { focusOutcome(); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });

  // --- start --------------------------------------------------------------------------------------------------------
  window.VNeIDConsole.scriptAid = {
    root: root,
    data: data,
    state: state,
    main: main,
    $all: $all,
    text: text,
    problemTitle: problemTitle,
    announce: announce,
    render: render,
    setFlow: setFlow,
    jumpToProblem: jumpToProblem,
    focusOutcome: focusOutcome
  };
  document.getElementById("aid-keys-hint").hidden = false;
  render({ announce: false });
})();
