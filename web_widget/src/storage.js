// ---- storage: what this browser keeps (localStorage may be blocked: memory instead)
function area(kind) {
  try { const s = window[kind]; s.setItem(NS + 't', '1'); s.removeItem(NS + 't'); return s; } catch (e) { return null; }
}
const local = area('localStorage');
const session = area('sessionStorage');
const memory = {};
function load(where, key, fallback) {
  try {
    const raw = where ? where.getItem(NS + key) : memory[key];
    return raw == null ? fallback : JSON.parse(raw);
  } catch (e) { return fallback; }
}
function save(where, key, value) {
  const raw = JSON.stringify(value);
  memory[key] = raw;
  try { if (where) where.setItem(NS + key, raw); } catch (e) { /* quota: memory keeps it */ }
}
function remove(where, key) {
  delete memory[key];
  try { if (where) where.removeItem(NS + key); } catch (e) { /* blocked: nothing kept there */ }
}
