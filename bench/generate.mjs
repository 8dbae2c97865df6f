/**
 * A synthetic org, deterministic for a seed: N tokens, and packages, accounts
 * and publishing steps in proportion (N/5, N/20, N/50). Every source is
 * complete and every fact is known, so that each contender finds exactly the
 * same definite findings.
 *
 *   node bench/generate.mjs 100000 out.json
 */
import { createWriteStream } from 'node:fs';

const DAY = 86_400_000;
export const NOW = Date.parse('2026-11-28T00:00:00Z');

/** mulberry32: a small seeded generator, so that runs reproduce. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generate(tokens, file, seed = 7) {
  const r = rng(seed);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const iso = (t) => new Date(t).toISOString();
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? undefined : new Promise((res) => out.once('drain', res)));
  await write(
    `{"schemaVersion":1,"collectedAt":"${iso(NOW)}","sources":[{"collector":"bench","covers":["tokens","accounts","packages","workflows"],"complete":true}],\n"tokens":[`,
  );
  for (let i = 0; i < tokens; i++) {
    const classic = r() < 0.1;
    const created = NOW - Math.floor(r() * 400) * DAY;
    const lifetime = pick([7, 7, 30, 60, 90, 120, 365]);
    const t = {
      id: `t${i.toString(36)}`,
      owner: `user${Math.floor(r() * (tokens / 20))}`,
      kind: classic ? 'classic' : 'granular',
      ...(classic ? { classicType: pick(['publish', 'automation', 'read-only']) } : {}),
      access: r() < 0.6 ? 'write' : 'read',
      created: iso(created),
      expires: classic || r() < 0.1 ? null : iso(created + lifetime * DAY),
      bypass2fa: classic ? null : r() < 0.2,
      cidr: [],
      display: `npm_…${i.toString(36).slice(-4).padStart(4, '0')}`,
    };
    await write(`${i ? ',' : ''}${JSON.stringify(t)}`);
  }
  await write('],\n"accounts":[');
  for (let i = 0; i < Math.ceil(tokens / 20); i++) {
    const enabled = r() >= 0.1;
    const a = {
      id: `user${i}`,
      tfa: enabled
        ? {
            enabled: true,
            mode: r() < 0.1 ? 'auth-only' : 'auth-and-writes',
            pending: false,
            method: r() < 0.65 ? 'webauthn' : 'totp',
          }
        : { enabled: false, mode: null, pending: false, method: null },
    };
    await write(`${i ? ',' : ''}${JSON.stringify(a)}`);
  }
  await write('],\n"packages":[');
  for (let i = 0; i < Math.ceil(tokens / 5); i++) {
    const p = {
      id: `@bench/p${i}`,
      mfa: pick(['publish', 'automation', 'none']),
      trustedPublishers:
        r() < 0.4 ? [] : [{ provider: pick(['github', 'gitlab', 'circleci']), repository: `bench/p${i}` }],
      maintainers: ['user0'],
    };
    await write(`${i ? ',' : ''}${JSON.stringify(p)}`);
  }
  await write('],\n"workflows":[');
  for (let i = 0; i < Math.ceil(tokens / 50); i++) {
    const oidc = r() < 0.5;
    const secrets = r() < 0.5 ? ['NPM_TOKEN'] : [];
    const file = `.github/workflows/w${i}.yml`;
    const w = {
      id: `${file}#publish/3`,
      file,
      provider: 'github',
      registry: 'https://registry.npmjs.org/',
      job: 'publish',
      tool: 'npm',
      command: 'npm publish',
      auth: { oidc, tokenSecrets: secrets, tokenEnv: secrets.length ? ['NODE_AUTH_TOKEN'] : [] },
      provenance: oidc ? null : false,
      origin: { file, line: 20, column: 9 },
    };
    await write(`${i ? ',' : ''}${JSON.stringify(w)}`);
  }
  await write(']}\n');
  await new Promise((res) => out.end(res));
}

if (process.argv[1]?.endsWith('generate.mjs')) await generate(Number(process.argv[2]), process.argv[3]);
