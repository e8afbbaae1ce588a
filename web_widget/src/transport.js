// ---- transport: one request to the gateway (JSON, a timeout, never a cookie); a network failure is an answer
async function request(method, path, body, key) {
  const headers = { Accept: 'application/json' };
  if (body) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const abort = window.AbortController ? new AbortController() : null;
  const timer = abort && setTimeout(() => abort.abort(), method === 'POST' ? 45000 : 15000);
  try {
    const res = await fetch(GATEWAY + path, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: 'omit',
      cache: 'no-store', signal: abort ? abort.signal : undefined,
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { ok: res.ok, status: res.status, data: data, headers: res.headers };
  } catch (e) {
    return { network: true };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
