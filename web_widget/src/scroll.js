// ---- scroll: follow new messages unless the citizen scrolled up to read older ones
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
// A picture that finishes loading, the large text, or the on-screen keyboard changes the sizes: keep the end in
// view.
if (window.ResizeObserver) {
  const keep = new ResizeObserver(() => scrollToEnd(false));
  keep.observe(log);
  keep.observe(list);
}
