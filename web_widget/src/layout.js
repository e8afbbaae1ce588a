// ---- layout: the widget's elements, built once (the modules below fill and show them)
const badge = el('span', { class: 'vnw-badge', 'aria-hidden': 'true', hidden: true });
const launcher = el('button', {
  type: 'button', class: 'vnw-launcher', 'aria-expanded': 'false', 'aria-controls': 'vnw-panel',
  'aria-haspopup': 'dialog',
}, [icon(ICON.chat), el('span', { class: 'vnw-launcher-text', text: TITLE }), badge]);
const title = el('h2', { id: 'vnw-title', class: 'vnw-title', tabindex: '-1', text: TITLE });
const subtitle = el('p', { id: 'vnw-sub', class: 'vnw-sub', text: t('subtitle_bot') });
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
