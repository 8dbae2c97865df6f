/**
 * The one way trustgate reads an input file: a policy, a file it extends, a
 * facts file, a baseline report, a policy test file.
 *
 * - The file is opened with O_NONBLOCK, so that a FIFO (or a device) never
 *   blocks the open, and it is checked on the open descriptor (fstat): anything
 *   but a regular file is refused, whatever a link pointed at. A path is also
 *   checked before it is opened, so that a device is not even opened.
 * - At most `maxBytes` are read: a file larger than the cap is refused from its
 *   size, and the read stops at the cap even if the file grows meanwhile or
 *   reports no size at all (as files in /proc do).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const MiB = 1024 * 1024;

/**
 * The most trustgate reads of each kind of input. Facts and reports are large
 * for a large org (1M tokens: a 220 MB facts file, a 171 MB report); 500 MiB
 * stays below the longest string the JavaScript engine can hold (about 512 MiB),
 * beyond which the file could not be parsed anyway.
 */
export const INPUT_LIMITS = {
  policy: MiB,
  policyTest: 16 * MiB,
  facts: 500 * MiB,
  report: 500 * MiB,
} as const;

/** Why an input file was not read; `reason` completes "Cannot read X: <reason>." */
export class InputFileError extends Error {
  readonly reason: string;
  readonly code: string | undefined;

  constructor(reason: string, code?: string) {
    super(reason);
    this.name = 'InputFileError';
    this.reason = reason;
    this.code = code;
  }
}

// O_NONBLOCK and O_NOCTTY do not exist on Windows, where neither is needed.
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
/** The first read's size when the file reports none. */
const CHUNK = 64 * 1024;

/** "1 MiB", "500 MiB", "100 bytes" */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} byte${n === 1 ? '' : 's'}`;
}

function kind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Refuses what is not a regular file, or is larger than the cap by its size. */
function check(st: Stats, maxBytes: number): void {
  if (st.isDirectory()) throw new InputFileError('it is a directory', 'EISDIR');
  if (!st.isFile()) {
    const k = kind(st);
    throw new InputFileError(
      k === 'not a regular file' ? 'it is not a regular file' : `it is ${k}, not a regular file`,
      'ENOTREG',
    );
  }
  if (st.size > maxBytes) throw tooLarge(maxBytes);
}

function tooLarge(maxBytes: number): InputFileError {
  return new InputFileError(`it is larger than the limit of ${formatBytes(maxBytes)}`, 'EFBIG');
}

/** An error of the file system, as a reason. */
function systemError(error: unknown): InputFileError {
  if (error instanceof InputFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputFileError('the file does not exist', code);
  if (code === 'EISDIR') return new InputFileError('it is a directory', code);
  if (code === 'EACCES' || code === 'EPERM') return new InputFileError('permission denied', code);
  if (code === 'ELOOP') return new InputFileError('its links form a loop', code);
  return new InputFileError(`it cannot be read${code ? ` (${code})` : ''}`, code);
}

/** The next buffer to read into: the same one while it has room, else a larger copy (up to the cap + 1). */
function room(buf: Buffer, used: number, maxBytes: number): Buffer {
  if (used < buf.length) return buf;
  if (used > maxBytes) throw tooLarge(maxBytes);
  const next = Buffer.allocUnsafe(Math.min(Math.max(buf.length * 2, CHUNK), maxBytes + 1));
  buf.copy(next, 0, 0, used);
  return next;
}

/** Read a regular file of at most `maxBytes`. Throws `InputFileError`, whose `reason` says why not. */
export function readInputFileSync(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    check(statSync(file), maxBytes);
    fd = openSync(file, FLAGS);
  } catch (error) {
    throw systemError(error);
  }
  try {
    const st = fstatSync(fd);
    check(st, maxBytes);
    // One byte more than the size: a read that fills it means the file grew.
    let buf: Buffer = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let used = 0;
    for (;;) {
      buf = room(buf, used, maxBytes);
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
    }
    if (used > maxBytes) throw tooLarge(maxBytes);
    return buf.subarray(0, used);
  } catch (error) {
    throw systemError(error);
  } finally {
    closeSync(fd);
  }
}

/** As `readInputFileSync`, with the reads off the main thread. */
export async function readInputFile(file: string, maxBytes: number): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    check(await stat(file), maxBytes);
    handle = await open(file, FLAGS);
  } catch (error) {
    throw systemError(error);
  }
  try {
    const st = await handle.stat();
    check(st, maxBytes);
    let buf: Buffer = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let used = 0;
    for (;;) {
      buf = room(buf, used, maxBytes);
      const { bytesRead } = await handle.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
    }
    if (used > maxBytes) throw tooLarge(maxBytes);
    return buf.subarray(0, used);
  } catch (error) {
    throw systemError(error);
  } finally {
    await handle.close();
  }
}

/** A UTF-8 text file read by `readInputFileSync`. */
export function readInputTextSync(file: string, maxBytes: number): string {
  return readInputFileSync(file, maxBytes).toString('utf8');
}
