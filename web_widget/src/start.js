// ---- start: the widget on the page (once widget.css has loaded), what this device kept, the page's API
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
