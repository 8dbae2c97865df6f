/** The four seed rules as plain predicates: what the plain loop and the peers check. */
const DAY = 86_400_000;

export function tokenTooOld(t, now, maxDays = 90) {
  if (t.access !== 'write') return false;
  const expires = t.expires === null ? null : Date.parse(t.expires);
  if (expires !== null && expires <= now) return false;
  const created = Date.parse(t.created);
  if (Math.floor((now - created) / DAY) > maxDays) return true;
  if (expires === null) return true;
  return expires - created > maxDays * DAY;
}
export const classicToken = (t) => t.kind === 'classic';
export const noTrustedPublisher = (p) =>
  Array.isArray(p.trustedPublishers) && p.trustedPublishers.length === 0;
export const stepWithToken = (w) =>
  w.registry === 'https://registry.npmjs.org/' &&
  (w.auth.tokenSecrets.length > 0 || w.auth.tokenEnv.length > 0 || !w.auth.oidc);
export const weak2fa = (a) =>
  !a.tfa.enabled || a.tfa.pending || a.tfa.mode !== 'auth-and-writes' || a.tfa.method === 'totp';
