// ---- composer: the text box (growing with its text, Enter sends) and sending what the citizen typed
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
