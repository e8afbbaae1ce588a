// ---- erasure: "end and delete on this device" (a shared device), with its confirmation in place of the input
function askEnd(show) {
  confirmBox.hidden = !show;
  form.hidden = show;
  foot.hidden = show;
  (show ? endNo : endBtn).focus();
}
async function end() {
  endYes.disabled = endNo.disabled = true;
  setStatus(t('ending'), 'info');
  await pauseSync(); // a message on its way goes first
  const res = convId ? await request('POST', '/api/widget/end', { sender: convId }) : { ok: true };
  resumeSync();
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
  focusStart();
}
endBtn.addEventListener('click', () => askEnd(true));
endNo.addEventListener('click', () => askEnd(false));
endYes.addEventListener('click', end);
