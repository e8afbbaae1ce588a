// ---- panel: opening and closing it, keyboard focus inside it, its size on a phone, the large text
const small = window.matchMedia ? window.matchMedia('(max-width: 480px)') : { matches: false };
let isOpen = false;
let opener = null; // what had focus before the panel opened: it gets focus back on close
let pointerAt = 0;
let big = !!load(local, 'big', false);

function fitViewport() {
  const vv = window.visualViewport;
  const fit = isOpen && small.matches && vv;
  panel.style.height = fit ? vv.height + 'px' : '';
  panel.style.top = fit ? vv.offsetTop + 'px' : '';
  document.documentElement.classList.toggle('vnw-lock', !!(isOpen && small.matches));
  if (fit) scrollToEnd(false);
}

// Where focus goes in the open panel: the heading on a phone (the keyboard stays down), else the text box.
function focusStart() {
  (small.matches ? title : input).focus({ preventScroll: true });
}

function open() {
  if (isOpen) return;
  isOpen = true;
  opener = root.contains(document.activeElement) || document.activeElement === document.body ? launcher : document.activeElement;
  panel.hidden = false;
  root.classList.add('vnw-open');
  launcher.setAttribute('aria-expanded', 'true');
  save(session, 'open', true);
  setUnread(0);
  fitViewport();
  if (!convId) send('/greet', '', true, false); // the bot introduces itself as an automatic assistant
  else pump();
  scrollToEnd(true);
  focusStart();
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

function applyBig() {
  root.classList.toggle('vnw-big', big);
  bigBtn.setAttribute('aria-pressed', String(big));
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

launcher.addEventListener('click', () => (isOpen ? close() : open()));
closeBtn.addEventListener('click', close);
bigBtn.addEventListener('click', () => { big = !big; save(local, 'big', big); applyBig(); autosize(); scrollToEnd(false); });
// Any element with data-vnw-open on the host page opens the widget (e.g. an "ask the assistant" link).
document.addEventListener('click', (e) => {
  const target = e.target && e.target.closest && e.target.closest('[data-vnw-open]');
  if (target && !root.contains(target)) { e.preventDefault(); open(); }
});

window.addEventListener('resize', fitViewport);
if (window.visualViewport) {
  window.visualViewport.addEventListener('resize', fitViewport);
  window.visualViewport.addEventListener('scroll', fitViewport);
}
if (small.addEventListener) small.addEventListener('change', fitViewport);
