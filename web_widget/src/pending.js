// ---- pending: the citizen's messages not yet in the history, each with how its sending goes
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
