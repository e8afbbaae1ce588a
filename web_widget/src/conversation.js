// ---- conversation: this device's conversation id and its outbox of messages to send
let convId = load(local, 'conv', null);
let outbox = load(local, 'outbox', []); // [{key, text, label, hidden, typed, retryAt}]
if (!Array.isArray(outbox)) outbox = [];
const delivered = new Set(); // keys the gateway answered, bubbles waiting for the history to replace them

function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

// The conversation leaves the screen (deleted here or in another tab, or its id expired).
function clearScreen() {
  clearMessages();
  delivered.clear();
  setUnread(0);
  typing.hidden = true;
  log.setAttribute('aria-busy', 'false');
  setState('bot');
}
// Forget the conversation on this device: its id and what is on screen (and the unsent messages, unless they
// are to go to the next conversation). The next message starts a new conversation.
function forget(keepOutbox) {
  convId = null;
  remove(local, 'conv');
  if (!keepOutbox || !outbox.length) { outbox = []; remove(local, 'outbox'); pendingBox.textContent = ''; }
  clearScreen();
}
function restart() { convId = uuid(); save(local, 'conv', convId); }

// A message for the gateway (`hidden`: not shown, e.g. the greeting's "/greet"), sent as soon as it can go.
function send(text, label, hidden, typed) {
  if (!convId) restart();
  if (statusKind === 'info' && !hidden) setStatus('');
  const item = { key: uuid(), text: text, label: label, hidden: !!hidden, typed: !!typed };
  outbox.push(item);
  save(local, 'outbox', outbox);
  clearQuickReplies();
  if (!hidden) addPending(item);
  pump();
}

// Another tab of this site ended the conversation, or started a new one: follow it.
window.addEventListener('storage', (e) => {
  if (e.key !== NS + 'conv') return;
  let next = null;
  try { next = e.newValue == null ? null : JSON.parse(e.newValue); } catch (err) { next = null; }
  if (next === convId) return;
  clearScreen();
  convId = next;
  if (convId) pump();
});
