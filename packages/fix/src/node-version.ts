/**
 * What a Node version spec means for trusted publishing: npm >= 11.5.1 on
 * Node >= 22.14. Node 22 and 23 bundle npm 10, so they need an npm upgrade;
 * the Node 24 line bundles npm 11 (11.5.1 and later from 24.5).
 */
export type NodeNeed = 'ok' | 'npm' | 'node' | 'unknown';

/** The major Node version a release line's code name stands for. */
const LTS: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/** The Node release trusted publishing is moved to when the version can be raised. */
export const TARGET_NODE = '24';
/** The npm range the upgrade step installs. */
export const NPM_RANGE = '^11.5.1';

export function nodeNeed(spec: string): NodeNeed {
  const s = spec
    .trim()
    .toLowerCase()
    .replace(/^(?:>=|\^|~|=)?\s*v?/, '');
  if (s === 'node' || s === 'latest' || s === 'current') return 'ok';
  if (s === 'lts/*' || s === 'lts') return 'ok'; // the newest LTS line: 24 (Krypton) since October 2025
  const lts = /^lts\/([a-z]+)$/.exec(s);
  if (lts) {
    const major = LTS[lts[1]!];
    return major === undefined ? 'unknown' : byVersion(major, null);
  }
  const m = /^(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(s);
  if (!m) return 'unknown';
  const minor = m[2] === undefined || m[2] === 'x' || m[2] === '*' ? null : Number(m[2]);
  return byVersion(Number(m[1]), minor);
}

function byVersion(major: number, minor: number | null): NodeNeed {
  if (major < 22 || (major === 22 && minor !== null && minor < 14)) return 'node';
  if (major === 22 || major === 23) return 'npm';
  if (major === 24 && minor !== null && minor < 5) return 'npm';
  return 'ok';
}

/** A command that already installs a newer npm (`npm install -g npm@latest`, `npm i -g npm@11`). */
export function upgradesNpm(script: string): boolean {
  return (
    /\bnpm\s+(?:install|i|add|update|up)\b[^\n]*\s(?:-g|--global)\b[^\n]*\bnpm(?:@\S+)?(?:\s|$)/.test(
      script,
    ) ||
    /\bnpm\s+(?:install|i)\s+(?:-g|--global)\s+npm\b/.test(script) ||
    /\bcorepack\s+(?:prepare|use)\s+npm@/.test(script)
  );
}
