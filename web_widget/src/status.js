// ---- status: the header's subtitle, the status line and the unread badge
const SUBTITLE = {
  bot: t('subtitle_bot'), waiting: t('subtitle_waiting'), with_staff: t('subtitle_with_staff'),
  closed: t('subtitle_bot'),
};
let state = 'bot'; // the conversation's state at the gateway: bot | waiting | with_staff | closed
let offline = false;
let statusKind = '';
let unread = 0;

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
function setUnread(count) {
  unread = count;
  updateBadge();
}
function updateBadge() {
  badge.hidden = !unread;
  badge.textContent = unread > 9 ? '9+' : String(unread);
  launcher.setAttribute('aria-label', t('open_label', { title: TITLE }) +
    (unread ? t('unread', { count: String(unread) }) : ''));
}
