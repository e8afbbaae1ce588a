/* Hotline script aid: recording the call's outcome as codes (flow, last step, problem, outcome), then a new call.
 * Enter on an outcome sends (script_aid.js's keys). Needs window.VNeIDConsole.scriptAid (script_aid.js) and
 * script_aid_said.js, loaded before it. Without JavaScript the form posts and the page comes back.
 */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml
  var aid = window.VNeIDConsole.scriptAid;  // script_aid.js: the call's state and how to show it
  if (!aid) { return; }

  var state = aid.state, text = aid.text, main = aid.main;
  var csrf = aid.root.getAttribute("data-csrf");
  var recordForm = document.getElementById("aid-record");
  var recordStatus = document.getElementById("aid-record-status");
  var recordSend = document.getElementById("aid-record-send");

  function resetCall() {
    state.flow = null;
    state.step = 1;
    state.problem = null;
    aid.$all('input[name="outcome"]', recordForm).forEach(function (r) { r.checked = false; });
    aid.forgetSaid();
    aid.render({ announce: false });
  }

  recordForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var outcome = recordForm.querySelector('input[name="outcome"]:checked');
    if (!outcome) {
      text(recordStatus, say("script_aid.choose_outcome"));
      recordStatus.className = "aid-status aid-status-error";
      aid.focusOutcome();
      return;
    }
    recordSend.disabled = true;
    var body = { flow: state.flow, last_step: state.flow ? state.step : null, problem: state.problem, outcome: outcome.value };
    fetch(recordForm.getAttribute("action"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, body: answer }; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.body && answer.body.message || say("script_aid.not_recorded")); }
      var call = answer.body.call;
      var fields = { flow: call.flow, step: call.last_step, outcome: call.outcome_label, problem: call.problem_title };
      fields.where = !call.flow ? say("script_aid.where_none")
        : (call.last_step ? say("script_aid.where_step", fields) : say("script_aid.where_flow", fields));
      var message = call.problem_title ? say("script_aid.recorded_problem", fields) : say("script_aid.recorded", fields);
      text(document.getElementById("aid-today"), String(answer.body.today));
      resetCall();
      text(recordStatus, message);
      recordStatus.className = "aid-status aid-status-ok";
      main.focus();
    }).catch(function (err) {
      text(recordStatus, (err && err.message) || say("script_aid.retry"));
      recordStatus.className = "aid-status aid-status-error";
    }).then(function () { recordSend.disabled = false; });
  });
})();
