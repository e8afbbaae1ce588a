// ---- messages: the conversation as the history gives it (bubbles, pictures, links, quick replies)
const seen = new Set(); // message ids already shown
const titles = {}; // button payload -> title, to show "/step_done" as the button the citizen pressed
let lastId = 0;
let lastShown = null; // the last message shown (its buttons are the quick replies)
let lastWho = '';

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
    if (!isOpen && loadedOnce && fromOthers) setUnread(unread + fromOthers);
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

// The conversation leaves the screen: no message is shown or remembered as seen.
function clearMessages() {
  list.textContent = '';
  seen.clear();
  for (const k in titles) delete titles[k];
  lastId = 0; lastShown = null; lastWho = '';
}
