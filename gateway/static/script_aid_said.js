/* Hotline script aid: the "what the caller says" box. The words go to /api/parse and leave the page: only the
 * redacted text is shown, in this page only; a problem or a flow it names moves the aid there (script_aid.js, whose
 * window.VNeIDConsole.scriptAid this needs, loaded before it). Without JavaScript the box stays disabled.
 */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml
  var aid = window.VNeIDConsole.scriptAid;  // script_aid.js: the call's state and how to show it
  if (!aid) { return; }

  var root = aid.root, data = aid.data, state = aid.state;
  var problemTitle = aid.problemTitle, jumpToProblem = aid.jumpToProblem, render = aid.render, setFlow = aid.setFlow;
  var said = document.getElementById("aid-said");
  var parseForm = document.getElementById("aid-parse");
  var parseSend = document.getElementById("aid-parse-send");
  var parseResult = document.getElementById("aid-parse-result");
  var heardBox = document.getElementById("aid-heard-box");
  var heard = document.getElementById("aid-heard");

  function resultLine(className, message) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = message;
    parseResult.appendChild(p);
    return p;
  }

  function kindsLabel(kinds) {
    return kinds.map(function (k) { return data.secret_kinds[k] || k; }).join(", ");
  }

  function showParsed(body) {
    parseResult.textContent = "";
    var heardItem = document.createElement("li");
    heardItem.textContent = body.text;
    heard.appendChild(heardItem);
    heardBox.hidden = false;
    var quote = resultLine("aid-heard-now", "");
    var label = document.createElement("span");
    label.className = "aid-label-inline";
    label.textContent = say("script_aid.heard") + " ";
    var words = document.createElement("q");
    words.id = "aid-redacted";
    words.textContent = body.text;
    quote.appendChild(label);
    quote.appendChild(words);

    if (body.sensitive && body.sensitive.length) {
      resultLine("notice notice-warn aid-secret", say("script_aid.secret", { kinds: kindsLabel(body.sensitive) }));
    }
    var intent = (body.intent && body.intent.name) || "";
    var confidence = Math.round(((body.intent && body.intent.confidence) || 0) * 100);
    var message;
    if (body.problem && data.problems[body.problem]) {
      jumpToProblem(body.problem);
      var found = { title: problemTitle(body.problem), confidence: confidence, flow: state.flow, step: state.step };
      message = state.flow ? say("script_aid.matched_at", found) : say("script_aid.matched", found);
      resultLine("aid-match", message);
      render({ message: message });
      return;
    }
    if (intent === "choose_password_otp" || intent === "choose_qr") {
      var code = intent === "choose_qr" ? "B" : "A";
      message = say("script_aid.chose_flow", { flow: code });
      resultLine("aid-match", message);
      setFlow(code, message);
      return;
    }
    if (intent === "report_scam") {
      resultLine("notice notice-warn aid-scam", say("script_aid.scam", { scam: data.scam }));
      return;
    }
    if (!(body.sensitive && body.sensitive.length)) {
      resultLine("aid-nomatch", say("script_aid.no_match"));
    }
  }

  parseForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var words = said.value.trim();
    if (!words) { said.focus(); return; }
    parseSend.disabled = true;
    parseResult.textContent = "";
    resultLine("aid-wait", say("script_aid.parsing"));
    fetch(root.getAttribute("data-parse-url"), {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ text: words })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.body && answer.body.message || say("script_aid.parse_failed")); }
      said.value = "";  // the original words leave the page; only the redacted text is shown
      showParsed(answer.body);
    }).catch(function (err) {
      parseResult.textContent = "";
      resultLine("notice notice-warn", say("script_aid.parse_fallback",
        { reason: err && err.message ? err.message : say("script_aid.parse_failed") }));
    }).then(function () { parseSend.disabled = false; });
  });

  /** Empties the box and what was heard, for the next call (script_aid_record.js). */
  aid.forgetSaid = function () {
    parseResult.textContent = "";
    heard.textContent = "";
    heardBox.hidden = true;
    said.value = "";
  };

  said.disabled = false;
  parseSend.disabled = false;
})();
