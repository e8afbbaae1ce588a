/*! Trợ lý VNeID — web widget: hướng dẫn công dân đăng nhập Dịch vụ công bằng tài khoản VNeID.
 * One tag embeds it: <script src="https://<gateway>/widget.js" data-title="Trợ lý VNeID" defer></script>
 * Options (data- attributes): data-commune (the commune's code, e.g. "quang-yen"; default: the installation's),
 * data-gateway (base URL, default: where this file came from), data-title,
 * data-position ("right" | "left"), data-open ("true": open the panel on load).
 * Plain ES2017, no dependencies, no build step. Everything citizens, staff and the bot write is shown as text.
 */
(function () {
  'use strict';
  if (window.TroLyVNeID) return; // embedded twice: keep the first

  // ---- configuration from the <script> tag ------------------------------------------------------------
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const ds = (script && script.dataset) || {};
  const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const GATEWAY = (ds.gateway || scriptOrigin).replace(/\/+$/, '');
  // The texts: content/messages.yml `widget:`, written in here by the gateway when it serves this file.
  const T = /*@widget-texts*/{}/*@*/;
  function t(key, fields) {
    let text = T[key] || '';
    for (const k in fields || {}) text = text.split('{' + k + '}').join(fields[k]);
    return text;
  }
  const TITLE = ds.title || t('title');
  const POSITION = ds.position === 'left' ? 'left' : 'right';
  const OPEN_AT_START = ds.open === 'true' || ds.open === '';
  const COMMUNE = (ds.commune || '').trim();
  // one conversation per commune: a province site may embed several communes' widgets on one origin
  const NS = 'vneid-widget:' + GATEWAY + ':' + (COMMUNE ? COMMUNE + ':' : '');
  const SUBTITLE = {
    bot: t('subtitle_bot'), waiting: t('subtitle_waiting'), with_staff: t('subtitle_with_staff'),
    closed: t('subtitle_bot'),
  };

  function metadata() {
    const out = { channel: 'widget' };
    if (COMMUNE) out.commune = COMMUNE;
    return out;
  }

  // ---- storage (localStorage may be blocked: fall back to memory) ----------------------------------------
  function area(kind) {
    try { const s = window[kind]; s.setItem(NS + 't', '1'); s.removeItem(NS + 't'); return s; } catch (e) { return null; }
  }
  const local = area('localStorage');
  const session = area('sessionStorage');
  const memory = {};
  function load(where, key, fallback) {
    try {
      const raw = where ? where.getItem(NS + key) : memory[key];
      return raw == null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }
  function save(where, key, value) {
    const raw = JSON.stringify(value);
    memory[key] = raw;
    try { if (where) where.setItem(NS + key, raw); } catch (e) { /* quota: memory keeps it */ }
  }
  function remove(where, key) {
    delete memory[key];
    try { if (where) where.removeItem(NS + key); } catch (e) { /* blocked: nothing kept there */ }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // ---- DOM helpers (text only: never innerHTML) -----------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    (children || []).forEach((c) => c && node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c));
    return node;
  }
  const SVGNS = 'http://www.w3.org/2000/svg';
  function icon(d, cls) {
    const svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'vnw-icon ' + (cls || ''));
    const path = document.createElementNS(SVGNS, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
    return svg;
  }
  const ICON = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
    close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z',
    send: 'M3 20.5V14l9-2-9-2V3.5L22 12z',
    person: 'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v2h16v-2c0-2.8-3.6-5-8-5z',
    info: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-6h2zm0-8h-2V7h2z',
    clock: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 10.4 3.5 2.1-.9 1.5L11 13V6h2z',
    trash: 'M9 3h6l1 2h4v2H4V5h4zm-3 6h12l-1 12H7zm4 2v8h1.5v-8zm3.5 0v8H15v-8z',
  };

  // ---- the widget's elements ---------------------------------------------------------------------------------
  const badge = el('span', { class: 'vnw-badge', 'aria-hidden': 'true', hidden: true });
  const launcher = el('button', {
    type: 'button', class: 'vnw-launcher', 'aria-expanded': 'false', 'aria-controls': 'vnw-panel',
    'aria-haspopup': 'dialog',
  }, [icon(ICON.chat), el('span', { class: 'vnw-launcher-text', text: TITLE }), badge]);
  const title = el('h2', { id: 'vnw-title', class: 'vnw-title', tabindex: '-1', text: TITLE });
  const subtitle = el('p', { id: 'vnw-sub', class: 'vnw-sub', text: SUBTITLE.bot });
  const bigBtn = el('button', { type: 'button', class: 'vnw-big-btn', 'aria-pressed': 'false' },
    [el('span', { class: 'vnw-aa', 'aria-hidden': 'true', text: 'A+' }), ' ' + t('big_text')]);
  const closeBtn = el('button', { type: 'button', class: 'vnw-close', 'aria-label': t('close') },
    [icon(ICON.close)]);
  const status = el('div', { class: 'vnw-status', role: 'status' });
  const list = el('div', { class: 'vnw-list' });
  const pendingBox = el('div', { class: 'vnw-pendings' });
  const log = el('div', {
    class: 'vnw-log', role: 'log', 'aria-live': 'polite', 'aria-label': t('log'), tabindex: '0',
  }, [list, pendingBox]);
  const typing = el('div', { class: 'vnw-typing', hidden: true }, [
    el('span', { class: 'vnw-dots', 'aria-hidden': 'true' }, [el('i'), el('i'), el('i')]),
    el('span', { text: t('typing') }),
  ]);
  const input = el('textarea', {
    id: 'vnw-input', class: 'vnw-input', rows: '1', maxlength: '2000', autocomplete: 'off',
    enterkeyhint: 'send', placeholder: t('placeholder'),
  });
  const sendBtn = el('button', { type: 'submit', class: 'vnw-send' },
    [icon(ICON.send), el('span', { class: 'vnw-send-text', text: t('send') })]);
  const form = el('form', { class: 'vnw-form', novalidate: true }, [
    el('label', { for: 'vnw-input', class: 'vnw-sr', text: t('input_label') }), input, sendBtn,
  ]);
  // "End and delete on this device" (a shared device), with its confirmation in place of the input.
  const endBtn = el('button', { type: 'button', class: 'vnw-end' }, [icon(ICON.trash), el('span', { text: t('end') })]);
  const endYes = el('button', { type: 'button', class: 'vnw-end-yes', text: t('end_confirm') });
  const endNo = el('button', { type: 'button', class: 'vnw-end-no', text: t('end_cancel') });
  const confirmBox = el('div', {
    class: 'vnw-confirm', role: 'alertdialog', 'aria-labelledby': 'vnw-end-q', 'aria-describedby': 'vnw-end-d',
    hidden: true,
  }, [
    el('p', { id: 'vnw-end-q', class: 'vnw-confirm-q', text: t('end_question') }),
    el('p', { id: 'vnw-end-d', class: 'vnw-confirm-d', text: t('end_detail') }),
    el('div', { class: 'vnw-confirm-actions' }, [endYes, endNo]),
  ]);
  const foot = el('div', { class: 'vnw-foot' }, [el('p', { text: t('warning') }), endBtn]);
  const panel = el('div', {
    id: 'vnw-panel', class: 'vnw-panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'vnw-title',
    'aria-describedby': 'vnw-sub', hidden: true,
  }, [
    el('div', { class: 'vnw-head' }, [
      el('span', { class: 'vnw-avatar', 'aria-hidden': 'true' }, [icon(ICON.chat)]),
      el('div', { class: 'vnw-head-text' }, [title, subtitle]),
      bigBtn, closeBtn,
    ]),
    status, log, typing, form, confirmBox, foot,
  ]);
  const root = el('div', { class: 'vnw vnw-' + POSITION, 'data-vnw-root': '' }, [panel, launcher]);

  // ---- state ----------------------------------------------------------------------------------------------
  let convId = load(local, 'conv', null);
  let outbox = load(local, 'outbox', []); // [{key, text, label, hidden, typed, retryAt}]
  if (!Array.isArray(outbox)) outbox = [];
  const delivered = new Set(); // keys the gateway answered, bubbles waiting for the history to replace them
  const seen = new Set(); // message ids already shown
  const titles = {}; // button payload → title, to show "/step_done" as "Xong rồi"
  let lastId = 0;
  let lastShown = null; // the last message shown (its buttons are the quick replies)
  let lastWho = '';
  let state = 'bot';
  let isOpen = false;
  let offline = false;
  let unread = 0;
  let loadedOnce = false;
  let big = !!load(local, 'big', false);
  let statusKind = '';
  let pointerAt = 0;
  let opener = null; // what had focus before the panel opened: it gets focus back on close
  let ending = false; // "end and delete" is under way: nothing is sent or fetched meanwhile

  // ---- rendering ------------------------------------------------------------------------------------------
  const LINK = /(\b0\d{2,3}[.\s]?\d{3,4}[.\s]?\d{3,4}\b)|(\b(?:https?:\/\/)?(?:[a-z0-9-]+\.)+gov\.vn(?:\/[\w\-./?=&%#]*[\w/])?)/gi;
  function richText(node, text, links) {
    if (!links) { node.textContent = text; return node; }
    let at = 0;
    text.replace(LINK, (match, tel, url, offset) => {
      if (offset > at) node.appendChild(document.createTextNode(text.slice(at, offset)));
      const href = tel ? 'tel:' + tel.replace(/\D/g, '') : (/^https?:/i.test(url) ? url : 'https://' + url);
      node.appendChild(el('a', { href: href, text: match, target: tel ? null : '_blank', rel: 'noopener' }));
      at = offset + match.length;
      return match;
    });
    if (at < text.length) node.appendChild(document.createTextNode(text.slice(at)));
    return node;
  }

  function imageUrl(src) {
    try {
      const url = new URL(src, GATEWAY + '/');
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }

  function who(m) {
    if (m.author === 'staff') {
      return { key: 'staff:' + (m.staff_name || ''),
        label: m.staff_name ? t('who_staff', { name: m.staff_name }) : t('who_staff_unnamed') };
    }
    if (m.author === 'system') return { key: 'system', label: t('who_system') };
    if (m.author === 'citizen') return { key: 'citizen', label: t('who_citizen') };
    return { key: 'bot', label: t('who_bot') };
  }

  function citizenText(text) {
    if (/^\/[a-z_]+$/.test(text)) return text === '/greet' ? null : (titles[text] || text);
    return text;
  }

  function messageNode(m, alt) {
    const w = who(m);
    const kind = m.author === 'citizen' || m.author === 'staff' || m.author === 'system' ? m.author : 'bot';
    let text = m.text || '';
    if (kind === 'citizen') text = citizenText(text);
    const src = m.image && kind !== 'citizen' ? imageUrl(m.image) : null;
    if (!text && !src) return null;
    const same = w.key === lastWho && kind !== 'system';
    lastWho = w.key;
    const label = el('span', { class: 'vnw-who' + (same || kind === 'citizen' ? ' vnw-sr' : '') },
      kind === 'staff' ? [icon(ICON.person), w.label] : [w.label]);
    const node = el('div', { class: 'vnw-msg vnw-from-' + kind, 'data-id': String(m.id) }, [label]);
    if (kind === 'system') label.className = 'vnw-sr';
    if (src) {
      const img = el('img', { src: src, alt: alt || t('image_alt'), width: '320', height: '240',
        loading: 'lazy', decoding: 'async' });
      img.addEventListener('load', () => scrollToEnd(false));
      node.appendChild(el('a', { class: 'vnw-fig', href: src, target: '_blank', rel: 'noopener' }, [img]));
      node.appendChild(el('span', { class: 'vnw-fig-hint', 'aria-hidden': 'true', text: t('image_hint') }));
    }
    if (text) {
      const bubble = el('p', { class: 'vnw-bubble' });
      if (kind === 'system') bubble.appendChild(icon(ICON.info));
      richText(bubble, text, kind !== 'citizen');
      node.appendChild(bubble);
    }
    return node;
  }

  function render(messages) {
    let added = 0;
    let fromOthers = 0;
    messages.forEach((m, i) => {
      if (typeof m.id !== 'number' || seen.has(m.id)) return;
      seen.add(m.id);
      lastId = Math.max(lastId, m.id);
      (m.buttons || []).forEach((b) => { if (b && b.payload) titles[b.payload] = b.title; });
      let alt = null;
      if (m.image) {
        const next = messages.slice(i + 1).find((n) => n.text && n.author !== 'citizen');
        alt = t('image_alt_of', { text: next ? next.text : t('image_alt_step') });
      }
      const node = messageNode(m, alt);
      if (!node) return;
      list.appendChild(node);
      lastShown = m;
      added++;
      if (m.author !== 'citizen') fromOthers++;
    });
    if (added) {
      showQuickReplies();
      if (!isOpen && loadedOnce && fromOthers) { unread += fromOthers; updateBadge(); }
      scrollToEnd(false);
    }
  }

  function clearQuickReplies() {
    const old = list.querySelector('.vnw-quick');
    if (!old) return;
    const hadFocus = old.contains(document.activeElement);
    old.remove();
    if (hadFocus) log.focus({ preventScroll: true });
  }

  function showQuickReplies() {
    clearQuickReplies();
    const m = lastShown;
    if (!m || m.author === 'citizen' || !m.buttons || !m.buttons.length || outbox.some((o) => !o.hidden)) return;
    const group = el('div', { class: 'vnw-quick', role: 'group', 'aria-label': t('quick') });
    m.buttons.forEach((b) => {
      if (!b || typeof b.payload !== 'string') return;
      group.appendChild(el('button', {
        type: 'button', class: 'vnw-chip', text: String(b.title || b.payload),
        onclick: () => send(b.payload, String(b.title || b.payload), false, false),
      }));
    });
    list.appendChild(group);
  }

  function pendingText(item) {
    if (delivered.has(item.key)) return t('sent');
    if (offline) return t('unsent_offline');
    if (item.retryAt) return t('unsent_retry');
    return t('sending');
  }
  function addPending(item) {
    const stateNode = el('span', { class: 'vnw-state' }, [icon(ICON.clock), el('span', { text: pendingText(item) })]);
    pendingBox.appendChild(el('div', { class: 'vnw-msg vnw-from-citizen vnw-pending', 'data-key': item.key }, [
      el('span', { class: 'vnw-who vnw-sr', text: t('who_citizen_pending') }),
      el('p', { class: 'vnw-bubble', text: item.label }),
      stateNode,
    ]));
    scrollToEnd(true);
  }
  function refreshPending() {
    Array.from(pendingBox.children).forEach((node) => {
      const key = node.getAttribute('data-key');
      const item = outbox.find((o) => o.key === key) || { key: key };
      node.querySelector('.vnw-state span').textContent = pendingText(item);
    });
    pendingBox.classList.toggle('vnw-offline', offline);
  }
  function removePending(key) {
    const node = pendingBox.querySelector('[data-key="' + key + '"]');
    if (node) node.remove();
  }

  // Follow new messages unless the citizen scrolled up to read older ones.
  let stick = true;
  let setTop = -1; // the last scrollTop the widget set itself: its scroll event is not the citizen scrolling
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function scrollToEnd(force) {
    if (!force && !stick) return;
    log.scrollTop = log.scrollHeight;
    setTop = log.scrollTop;
    stick = true;
  }
  log.addEventListener('scroll', () => { if (Math.abs(log.scrollTop - setTop) > 1) stick = nearBottom(); });
  // A picture that finishes loading, "Chữ to", or the on-screen keyboard changes the sizes: keep the end in view.
  if (window.ResizeObserver) {
    const keep = new ResizeObserver(() => scrollToEnd(false));
    keep.observe(log);
    keep.observe(list);
  }

  function setStatus(text, kind) {
    statusKind = text ? kind : '';
    status.textContent = text || '';
    status.className = 'vnw-status' + (kind ? ' vnw-status-' + kind : '');
  }
  function setOffline(value) {
    if (offline === value) return;
    offline = value;
    if (value) setStatus(t('offline'), 'offline');
    else if (statusKind === 'offline') setStatus('');
    refreshPending();
  }
  function setState(value) {
    if (!SUBTITLE[value] || value === state) return;
    root.classList.remove('vnw-state-' + state);
    state = value;
    root.classList.add('vnw-state-' + state);
    subtitle.textContent = SUBTITLE[state];
  }
  function updateBadge() {
    badge.hidden = !unread;
    badge.textContent = unread > 9 ? '9+' : String(unread);
    launcher.setAttribute('aria-label', t('open_label', { title: TITLE }) +
      (unread ? t('unread', { count: String(unread) }) : ''));
  }
  function applyBig() {
    root.classList.toggle('vnw-big', big);
    bigBtn.setAttribute('aria-pressed', String(big));
  }

  // The conversation leaves the screen (deleted here or in another tab, or its id expired).
  function clearScreen() {
    list.textContent = '';
    seen.clear();
    delivered.clear();
    for (const k in titles) delete titles[k];
    lastId = 0; lastShown = null; lastWho = ''; unread = 0;
    updateBadge();
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
  function erasedIn(replies) {
    return Array.isArray(replies) && replies.find((r) => r && r.custom && r.custom.conversation_erased);
  }

  // ---- talking to the gateway ---------------------------------------------------------------------------------
  async function request(method, path, body, key) {
    const headers = { Accept: 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';
    if (key) headers['Idempotency-Key'] = key;
    const abort = window.AbortController ? new AbortController() : null;
    const timer = abort && setTimeout(() => abort.abort(), method === 'POST' ? 45000 : 15000);
    try {
      const res = await fetch(GATEWAY + path, {
        method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: 'omit',
        cache: 'no-store', signal: abort ? abort.signal : undefined,
      });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      return { ok: res.ok, status: res.status, data: data, headers: res.headers };
    } catch (e) {
      return { network: true };
    } finally {
      if (timer) clearTimeout(timer);
    }
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
        const erased = erasedIn(res.data); // "xóa cuộc trò chuyện" confirmed: the conversation is gone
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
      // Refused as sent (empty, too long, …): give the text back to the citizen to change it.
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

  let pumping = false;
  let again = false;
  let timer = 0;
  async function pump() {
    if (ending) return;
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

  function send(text, label, hidden, typed) {
    if (!convId) { convId = uuid(); save(local, 'conv', convId); }
    if (statusKind === 'info' && !hidden) setStatus('');
    const item = { key: uuid(), text: text, label: label, hidden: !!hidden, typed: !!typed };
    outbox.push(item);
    save(local, 'outbox', outbox);
    clearQuickReplies();
    if (!hidden) addPending(item);
    pump();
  }

  // ---- opening, closing, keyboard ----------------------------------------------------------------------------------
  const small = window.matchMedia ? window.matchMedia('(max-width: 480px)') : { matches: false };

  function fitViewport() {
    const vv = window.visualViewport;
    const fit = isOpen && small.matches && vv;
    panel.style.height = fit ? vv.height + 'px' : '';
    panel.style.top = fit ? vv.offsetTop + 'px' : '';
    document.documentElement.classList.toggle('vnw-lock', !!(isOpen && small.matches));
    if (fit) scrollToEnd(false);
  }

  function open() {
    if (isOpen) return;
    isOpen = true;
    opener = root.contains(document.activeElement) || document.activeElement === document.body ? launcher : document.activeElement;
    panel.hidden = false;
    root.classList.add('vnw-open');
    launcher.setAttribute('aria-expanded', 'true');
    save(session, 'open', true);
    unread = 0;
    updateBadge();
    fitViewport();
    if (!convId) send('/greet', '', true, false); // the bot introduces itself as an automatic assistant
    else pump();
    scrollToEnd(true);
    (small.matches ? title : input).focus({ preventScroll: true });
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    root.classList.remove('vnw-open');
    launcher.setAttribute('aria-expanded', 'false');
    save(session, 'open', false);
    fitViewport();
    (opener && opener.isConnected && opener.getClientRects().length ? opener : launcher).focus();
    schedule();
  }

  function focusables() {
    return Array.from(panel.querySelectorAll('a[href], button:not([disabled]), textarea, [tabindex="0"]'))
      .filter((n) => n.getClientRects().length);
  }

  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); if (confirmBox.hidden) close(); else askEnd(false); return; }
    if (e.key !== 'Tab') return;
    const items = focusables();
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === title || !panel.contains(active))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (active === last || !panel.contains(active))) { e.preventDefault(); first.focus(); }
  });
  // Keep keyboard focus inside the open dialog (a mouse click on the page is left alone).
  document.addEventListener('pointerdown', () => { pointerAt = Date.now(); }, true);
  document.addEventListener('focusin', (e) => {
    if (isOpen && !root.contains(e.target) && Date.now() - pointerAt > 600) {
      const items = focusables();
      (items[0] || title).focus();
    }
  });

  // ---- "end and delete on this device" ------------------------------------------------------------------------
  function askEnd(show) {
    confirmBox.hidden = !show;
    form.hidden = show;
    foot.hidden = show;
    (show ? endNo : endBtn).focus();
  }
  async function end() {
    endYes.disabled = endNo.disabled = true;
    setStatus(t('ending'), 'info');
    ending = true;
    clearTimeout(timer);
    while (pumping) await new Promise((resolve) => setTimeout(resolve, 50)); // a message on its way goes first
    const res = convId ? await request('POST', '/api/widget/end', { sender: convId }) : { ok: true };
    ending = false;
    endYes.disabled = endNo.disabled = false;
    if (!res.ok) {
      setStatus(t('end_failed'), 'error');
      askEnd(false);
      schedule();
      return;
    }
    forget();
    askEnd(false);
    setStatus(t('ended'), 'info');
    (small.matches ? title : input).focus({ preventScroll: true });
  }
  endBtn.addEventListener('click', () => askEnd(true));
  endNo.addEventListener('click', () => askEnd(false));
  endYes.addEventListener('click', end);
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

  launcher.addEventListener('click', () => (isOpen ? close() : open()));
  closeBtn.addEventListener('click', close);
  bigBtn.addEventListener('click', () => { big = !big; save(local, 'big', big); applyBig(); autosize(); scrollToEnd(false); });

  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 140) + 'px';
  }
  input.addEventListener('input', autosize);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : submit(e); }
  });
  function submit(e) {
    if (e) e.preventDefault();
    const text = input.value.trim();
    if (!text) { input.focus(); return; }
    input.value = '';
    autosize();
    if (statusKind === 'error') setStatus('');
    send(text, text, false, true);
  }
  form.addEventListener('submit', submit);

  // Any element with data-vnw-open on the host page opens the widget (e.g. a "Hỏi trợ lý" link).
  document.addEventListener('click', (e) => {
    const target = e.target && e.target.closest && e.target.closest('[data-vnw-open]');
    if (target && !root.contains(target)) { e.preventDefault(); open(); }
  });

  window.addEventListener('online', () => pump());
  window.addEventListener('offline', () => setOffline(true));
  document.addEventListener('visibilitychange', () => { if (!document.hidden) pump(); else schedule(); });
  window.addEventListener('resize', fitViewport);
  if (window.visualViewport) {
    window.visualViewport.addEventListener('resize', fitViewport);
    window.visualViewport.addEventListener('scroll', fitViewport);
  }
  if (small.addEventListener) small.addEventListener('change', fitViewport);

  // ---- start ------------------------------------------------------------------------------------------------
  function show() { root.style.display = ''; if (isOpen) scrollToEnd(true); }
  function mount() {
    root.style.display = 'none'; // until widget.css has loaded
    document.body.appendChild(root);
    const existing = Array.from(document.querySelectorAll('link[rel="stylesheet"]'))
      .find((l) => l.href === GATEWAY + '/widget.css');
    if (existing && existing.sheet) show();
    else {
      const link = existing || el('link', { rel: 'stylesheet', href: GATEWAY + '/widget.css' });
      link.addEventListener('load', show);
      link.addEventListener('error', show);
      if (!existing) document.head.appendChild(link);
      setTimeout(show, 3000);
    }
    applyBig();
    updateBadge();
    root.classList.add('vnw-state-' + state);
    outbox.forEach((item) => { if (!item.hidden) addPending(item); });
    if (convId) { log.setAttribute('aria-busy', 'true'); pump(); }
    if (OPEN_AT_START || load(session, 'open', false)) open();
  }

  window.TroLyVNeID = { open: open, close: close, version: '1.0' };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
