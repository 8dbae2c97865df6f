/**
 * Scripts run with V8's code cache (src/code-cache.ts). Each load happens in a
 * child process of its own: within one process, V8 compiles a script it has
 * seen from memory, and the cache on disk is never consulted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadScript } from '../src/code-cache.ts';

const ROOT = new URL('../../../', import.meta.url);
const SOURCE = new URL('../src/code-cache.ts', import.meta.url).href;
const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LIB = path.join(dir, 'lib.js');
const lib = (factor: number) =>
  `var __trustgate = (() => {\n  const scale = (x) => x * ${factor};\n  return { scale, sep: require('node:path').sep };\n})();\n`;

/** Load LIB in a new process (with these node flags): how it was compiled, and what `scale(21)` gives. */
function loadInChild(flags: string[] = [], write = false): { cache: string; value: number; sep: string } {
  const code = [
    `const { loadScript, writeCodeCaches } = await import(${JSON.stringify(SOURCE)});`,
    `const loaded = loadScript(new URL(${JSON.stringify(pathToFileURL(LIB).href)}));`,
    write ? 'writeCodeCaches();' : '',
    'console.log(JSON.stringify({ cache: loaded.cache, value: loaded.exports.scale(21), sep: loaded.exports.sep }));',
  ].join('\n');
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('loadScript', () => {
  it('compiles a script that has no cache, then runs from the cache written for it', () => {
    writeFileSync(LIB, lib(2));
    assert.deepEqual(loadInChild([], true), { cache: 'none', value: 42, sep: path.sep });
    assert.ok(existsSync(`${LIB}.cache`));
    assert.deepEqual(loadInChild(), { cache: 'used', value: 42, sep: path.sep });
  });

  it('sets aside the cache of other source of the same length, and runs the source', () => {
    writeFileSync(LIB, lib(2));
    loadInChild([], true);
    writeFileSync(LIB, lib(3)); // one character changed: V8 alone would take the old bytecode
    assert.deepEqual(loadInChild(), { cache: 'stale', value: 63, sep: path.sep });
  });

  it('compiles afresh when V8 rejects the cache: other flags, or damaged data', () => {
    writeFileSync(LIB, lib(2));
    loadInChild([], true);
    assert.deepEqual(loadInChild(['--max-lazy']), { cache: 'rejected', value: 42, sep: path.sep });
    const saved = readFileSync(`${LIB}.cache`);
    const damaged = Buffer.concat([saved.subarray(0, 32), Buffer.alloc(saved.length - 32, 7)]);
    writeFileSync(`${LIB}.cache`, damaged);
    assert.deepEqual(loadInChild(), { cache: 'rejected', value: 42, sep: path.sep });
  });

  it('says undefined for a missing script, and throws what a broken one throws, at its own line', () => {
    assert.equal(loadScript(pathToFileURL(path.join(dir, 'missing.js'))), undefined);
    const broken = path.join(dir, 'broken.js');
    writeFileSync(
      broken,
      '// line 1\nvar __trustgate = (() => { throw new RangeError("broken on purpose"); })();\n',
    );
    assert.throws(
      () => loadScript(pathToFileURL(broken)),
      (e: Error) =>
        e.name === 'RangeError' && e.message === 'broken on purpose' && e.stack!.includes(`${broken}:2:`),
    );
  });

  it('runs the script in strict mode, as the module it replaces was', () => {
    const sloppy = path.join(dir, 'sloppy.js');
    writeFileSync(sloppy, 'var __trustgate = (() => { undeclaredGlobal = 1; return {}; })();\n');
    assert.throws(() => loadScript(pathToFileURL(sloppy)), { name: 'ReferenceError' });
    assert.equal('undeclaredGlobal' in globalThis, false);
  });
});

describe('the build’s scripts', {
  skip: !existsSync(new URL('packages/core/dist/vendor/yaml.js', ROOT)) && 'not built',
}, () => {
  it('load from the code cache the build wrote, in a check of the example', () => {
    const code = [
      `const core = await import(${JSON.stringify(new URL('packages/core/dist/index.js', ROOT).href)});`,
      `core.loadFacts(${JSON.stringify(fileURLToPath(new URL('examples/acme/facts.json', ROOT)))});`,
      'console.log(JSON.stringify(core.loadedScripts()));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const dist = fileURLToPath(new URL('packages/core/dist/', ROOT));
    const loaded = (JSON.parse(r.stdout) as { file: string; cache: string }[]).map((s) => ({
      file: path.relative(dist, s.file),
      cache: s.cache,
    }));
    assert.deepEqual(
      loaded.sort((a, b) => a.file.localeCompare(b.file)),
      [
        { file: 'validators/facts.js', cache: 'used' },
        { file: 'validators/policy.js', cache: 'used' },
        { file: 'vendor/yaml.js', cache: 'used' },
      ],
    );
  });
});
