/**
 * Issue #18 (11, 12): the one bounded, non-blocking reader for every input file.
 * The CLI tests (packages/cli/tests/hostile-inputs.test.ts) run the same cases
 * through the real command.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  formatBytes,
  INPUT_LIMITS,
  InputFileError,
  mergeFacts,
  parseFacts,
  readInputFile,
  readInputFileSync,
} from '@trustgate/core';
import { tempDir } from './helpers.ts';

const posix = process.platform !== 'win32';
const reason = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InputFileError, String(error));
    return error.reason;
  }
  assert.fail('no error');
};
const reasonAsync = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof InputFileError, String(error));
    return error.reason;
  }
  assert.fail('no error');
};

describe('readInputFile (issue #18: endless files, FIFOs, caps)', () => {
  it('reads a regular file whole, sync and async', async () => {
    const dir = tempDir({ 'a.txt': 'hello' });
    assert.equal(readInputFileSync(path.join(dir, 'a.txt'), 10).toString(), 'hello');
    assert.equal((await readInputFile(path.join(dir, 'a.txt'), 10)).toString(), 'hello');
    assert.equal(
      readInputFileSync(path.join(dir, 'a.txt'), 5).toString(),
      'hello',
      'exactly the cap is fine',
    );
  });

  it('refuses a file over the cap, by its size, without reading it', async () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.json');
    // Sparse: 600 MiB that take no disk and would take seconds to read.
    writeFileSync(big, '');
    truncateSync(big, 600 * 1024 * 1024);
    const started = Date.now();
    assert.equal(
      reason(() => readInputFileSync(big, INPUT_LIMITS.facts)),
      'it is larger than the limit of 500 MiB',
    );
    assert.equal(
      await reasonAsync(readInputFile(big, INPUT_LIMITS.facts)),
      'it is larger than the limit of 500 MiB',
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(
      reason(() => readInputFileSync(big, 4)),
      'it is larger than the limit of 4 bytes',
    );
  });

  it('stops at the cap even when the file reports no size (/proc), and reads such a file whole under it', {
    skip: process.platform !== 'linux',
  }, async () => {
    // /proc files are regular, say they are empty, and are not.
    assert.equal(
      reason(() => readInputFileSync('/proc/self/status', 16)),
      'it is larger than the limit of 16 bytes',
    );
    assert.equal(
      await reasonAsync(readInputFile('/proc/self/status', 16)),
      'it is larger than the limit of 16 bytes',
    );
    assert.match(readInputFileSync('/proc/self/status', 1024 * 1024).toString(), /^Name:/);
    assert.match((await readInputFile('/proc/self/status', 1024 * 1024)).toString(), /^Name:/);
  });

  it('refuses /dev/zero, directly and through a link, at once', { skip: !posix }, async () => {
    const dir = tempDir();
    symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    for (const file of ['/dev/zero', path.join(dir, 'zero.yaml')]) {
      assert.equal(
        reason(() => readInputFileSync(file, INPUT_LIMITS.facts)),
        'it is a character device, not a regular file',
      );
      assert.equal(
        await reasonAsync(readInputFile(file, INPUT_LIMITS.facts)),
        'it is a character device, not a regular file',
      );
    }
  });

  it('refuses a FIFO without waiting for a writer', { skip: !posix, timeout: 5000 }, async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    assert.equal(
      reason(() => readInputFileSync(fifo, 100)),
      'it is a FIFO, not a regular file',
    );
    assert.equal(await reasonAsync(readInputFile(fifo, 100)), 'it is a FIFO, not a regular file');
  });

  it('says what is missing, a directory, or a loop of links', async () => {
    const dir = tempDir();
    assert.equal(
      reason(() => readInputFileSync(path.join(dir, 'nope'), 10)),
      'the file does not exist',
    );
    assert.equal(
      reason(() => readInputFileSync(dir, 10)),
      'it is a directory',
    );
    assert.equal(await reasonAsync(readInputFile(dir, 10)), 'it is a directory');
    if (posix) {
      symlinkSync('loop', path.join(dir, 'loop'));
      assert.equal(
        reason(() => readInputFileSync(path.join(dir, 'loop'), 10)),
        'its links form a loop',
      );
    }
  });

  it('formats the caps as people read them', () => {
    assert.deepEqual(
      [
        formatBytes(INPUT_LIMITS.policy),
        formatBytes(INPUT_LIMITS.policyTest),
        formatBytes(INPUT_LIMITS.facts),
      ],
      ['1 MiB', '16 MiB', '500 MiB'],
    );
  });
});

describe('mergeFacts (issue #18, 13: no spread of an unbounded list into a call)', () => {
  it('merges files with 200,000 sources each', () => {
    const sources = Array.from({ length: 200_000 }, (_, i) => ({
      collector: 'attestation',
      target: `t${i}`,
      covers: [],
      complete: true,
    }));
    const facts = parseFacts(
      JSON.stringify({ schemaVersion: 1, collectedAt: '2026-11-28T00:00:00Z', sources }),
      'big.json',
    );
    assert.equal(mergeFacts([facts, facts]).sources.length, 400_000);
  });
});
