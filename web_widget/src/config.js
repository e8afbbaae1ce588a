// ---- config: what the embedding <script> tag asks for
const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
const ds = (script && script.dataset) || {};
const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
const GATEWAY = (ds.gateway || scriptOrigin).replace(/\/+$/, '');
const TITLE = ds.title || t('title');
const POSITION = ds.position === 'left' ? 'left' : 'right';
const OPEN_AT_START = ds.open === 'true' || ds.open === '';
const COMMUNE = (ds.commune || '').trim();
// one conversation per commune: a province site may embed several communes' widgets on one origin
const NS = 'vneid-widget:' + GATEWAY + ':' + (COMMUNE ? COMMUNE + ':' : '');

// What every message sent says about where it comes from.
function metadata() {
  const out = { channel: 'widget' };
  if (COMMUNE) out.commune = COMMUNE;
  return out;
}
