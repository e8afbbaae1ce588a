// ---- texts: the widget's words
// content/messages.yml `widget:` (with the commune's edits), written in here by the gateway when it serves the
// widget: none are written in the script.
const T = /*@widget-texts*/{}/*@*/;

// The text `key` with its {field}s filled in.
function t(key, fields) {
  let text = T[key] || '';
  for (const k in fields || {}) text = text.split('{' + k + '}').join(fields[k]);
  return text;
}
