import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ReportData } from '@trustgate/core';
import { TrustgateError } from '@trustgate/core/errors';

/** Temporary files not yet renamed into place; removed if the process is interrupted. */
const pending = new Set<string>();

/**
 * Write a file atomically: a temporary file beside it, then a rename. A target
 * that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO, the
 * file behind $GITHUB_STEP_SUMMARY may be one) is written in place: renaming
 * over it would replace a device with a file.
 */
export function writeAtomic(file: string, data: ReportData): void {
  let special = false;
  try {
    const st = statSync(file);
    special = !st.isFile() && !st.isDirectory();
  } catch {
    // absent: the usual case
  }
  if (special) {
    try {
      writeData(file, data);
      return;
    } catch (error) {
      throw new TrustgateError(
        'E_OUTPUT',
        `Cannot write ${file}: the system said ${(error as NodeJS.ErrnoException).code ?? 'no'}.`,
      );
    }
  }
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  pending.add(tmp);
  try {
    writeData(tmp, data);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'its folder does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : `the system said ${code ?? 'no'}`;
    throw new TrustgateError('E_OUTPUT', `Cannot write ${file}: ${why}.`);
  } finally {
    pending.delete(tmp);
  }
}

/** Remove temporary files left by an interrupted write. */
export function removePending(): void {
  for (const tmp of pending) rmSync(tmp, { force: true });
  pending.clear();
}

/** Write data to a file: whole, or piece by piece as an iterable yields it. */
function writeData(file: string, data: ReportData): void {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    writeFileSync(file, data);
    return;
  }
  const fd = openSync(file, 'w');
  try {
    for (const piece of data) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
}
