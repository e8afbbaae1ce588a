// ---- sync: sending the outbox and drawing the history, now and on a timer
let loadedOnce = false; // the history was read once since the page loaded
let paused = false; // the conversation is being ended: nothing is sent or fetched meanwhile
let pumping = false;
let again = false;
let timer = 0;

// The gateway's "conversation deleted" reply, if the message just sent deleted the conversation.
function erasedIn(replies) {
  return Array.isArray(replies) && replies.find((r) => r && r.custom && r.custom.conversation_erased);
}

// Send the outbox in order, one message at a time, each with its own Idempotency-Key (a resend of the same
// key is answered by the gateway without a second message). Stops at the first message that cannot go yet.
async function flushOutbox() {
  while (outbox.length) {
    const item = outbox[0];
    if (item.retryAt && Date.now() < item.retryAt) return;
    typing.hidden = false;
    const res = await request('POST', '/webhooks/rest/webhook',
      { sender: convId, message: item.text, metadata: metadata() }, item.key);
    if (res.network) { typing.hidden = true; setOffline(true); return; }
    setOffline(false);
    if (res.status === 410) { // the id expired: this message and the next start a new conversation
      forget(true);
      setStatus(t('expired'), 'info');
      restart();
      continue;
    }
    if (res.ok) {
      outbox.shift();
      save(local, 'outbox', outbox);
      const erased = erasedIn(res.data); // the citizen confirmed the deletion: the conversation is gone
      if (erased) {
        removePending(item.key);
        forget(true);
        setStatus(erased.text || t('ended'), 'info');
        if (!outbox.length) return;
        restart();
        continue;
      }
      delivered.add(item.key);
      if (statusKind === 'error') setStatus('');
      refreshPending();
      continue;
    }
    typing.hidden = true;
    const message = (res.data && typeof res.data.message === 'string' && res.data.message) ||
      t('send_failed');
    setStatus(message, 'error');
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      const after = parseInt((res.headers && res.headers.get('Retry-After')) || '', 10);
      item.retryAt = Date.now() + (after > 0 ? Math.min(after, 60) : 15) * 1000;
      save(local, 'outbox', outbox);
      refreshPending();
      return;
    }
    // Refused as sent (empty, too long, ...): give the text back to the citizen to change it.
    outbox.shift();
    save(local, 'outbox', outbox);
    removePending(item.key);
    if (item.typed && !input.value) { input.value = item.text; autosize(); }
    showQuickReplies();
  }
}

// The conversation after the last message shown. The only place messages are drawn from, so a message can
// never appear twice: the POST answer is not rendered, the history after it is.
async function fetchHistory() {
  if (!convId) return;
  for (;;) {
    const res = await request('GET', '/api/widget/messages?sender=' + encodeURIComponent(convId) + '&after=' + lastId);
    if (res.network) { setOffline(true); return; }
    if (res.status === 410) { // expired: whoever opens it now starts afresh (a kiosk left open stays empty)
      const fresh = isOpen && !loadedOnce;
      forget();
      setStatus(t('expired'), 'info');
      if (fresh) send('/greet', '', true, false);
      return;
    }
    if (!res.ok || !res.data) return;
    setOffline(false);
    setState(res.data.state);
    const messages = Array.isArray(res.data.messages) ? res.data.messages : [];
    render(messages);
    delivered.forEach((key) => { removePending(key); delivered.delete(key); });
    typing.hidden = true;
    log.setAttribute('aria-busy', 'false');
    loadedOnce = true;
    if (messages.length < 500) return;
  }
}

// Send what waits, then read the history; once more if asked again meanwhile.
async function pump() {
  if (paused) return;
  if (pumping) { again = true; return; }
  pumping = true;
  clearTimeout(timer);
  try {
    do {
      again = false;
      await flushOutbox();
      // While a message is still unsent the history waits: it could already hold that message.
      if (!outbox.length) await fetchHistory();
    } while (again);
  } finally {
    pumping = false;
    schedule();
  }
}

// The next pump: soon while something waits or a person talks with the citizen, never with nothing to read.
function schedule() {
  clearTimeout(timer);
  if (!convId) return;
  let ms;
  if (outbox.length) ms = offline ? 3000 : Math.max(1000, (outbox[0].retryAt || 0) - Date.now());
  else if (offline) ms = 3000;
  else if (state === 'with_staff' || state === 'waiting') ms = isOpen ? 1500 : 3000;
  else if (isOpen) ms = 3000;
  else return;
  if (document.hidden) ms = Math.max(ms, 10000);
  timer = setTimeout(pump, ms);
}

// Stop sending and fetching until resumeSync(); resolves once a message on its way has gone.
async function pauseSync() {
  paused = true;
  clearTimeout(timer);
  while (pumping) await new Promise((resolve) => setTimeout(resolve, 50));
}
function resumeSync() { paused = false; }

window.addEventListener('online', () => pump());
window.addEventListener('offline', () => setOffline(true));
document.addEventListener('visibilitychange', () => { if (!document.hidden) pump(); else schedule(); });
