/**
 * The one path guard. Every file the repository scanner reads and every file
 * `trustgate fix` writes goes through `RepositoryFiles`: the real path of the
 * target (every component resolved, links included) must be inside the real
 * path of the repository, and the file must be a regular file of at most
 * 1 MiB. The check is made on what is opened: the path is resolved, opened
 * without following a link, and the open file itself is checked (its identity,
 * and on Linux the path the kernel reports for it). A pull request controls
 * every link in the tree, so a string comparison of paths proves nothing.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** Why a path was not read or written: a clause that completes "It …" ("is larger than 1024 KiB"). */
export interface Refusal {
  ok: false;
  /** One sentence, "It …; not read.", for `sources[].errors`. */
  message: string;
  /** The reason alone, without "It" and "; not read" ("is a symbolic link that points outside the repository"). */
  reason: string;
  /** Nothing is there (not a refusal of something that exists). */
  missing?: boolean;
  /** A folder, not a file. */
  folder?: boolean;
  /** A file, not a folder (from `list`). */
  notFolder?: boolean;
}

export type ReadResult = { ok: true; text: string } | Refusal;

/** A folder could not be scanned at all. */
export class RepositoryError extends Error {}

/** A guarded write was refused or failed; the message is one sentence naming the file. */
export class FileWriteError extends Error {
  override name = 'FileWriteError';
}

const DEFAULT_MAX = 1024 * 1024;

function refusal(reason: string, extra: Partial<Refusal> = {}): Refusal {
  return { ok: false, reason, message: `It ${reason}; not read.`, ...extra };
}

export class RepositoryFiles {
  /** The folder as given, resolved. */
  readonly root: string;
  /** The folder's real path: what every target must be inside. */
  readonly realRoot: string;
  readonly maxBytes: number;

  constructor(dir: string, options: { maxBytes?: number } = {}) {
    this.root = path.resolve(dir);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX;
    try {
      this.realRoot = realpathSync.native(this.root);
      if (!statSync(this.realRoot).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new RepositoryError(`${dir}: Cannot scan: it is not a readable folder.`);
    }
  }

  /** Whether a real (resolved) path is the repository or inside it; by path components, not by prefix. */
  contains(real: string): boolean {
    const rel = path.relative(this.realRoot, real);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  }

  /**
   * The real path of a repository-relative path, when it is inside the
   * repository; else why not. `rel` uses `/`; `..` that leaves the repository
   * and absolute paths are refused.
   */
  resolve(rel: string): { ok: true; real: string } | Refusal {
    const clean = path.posix.normalize(rel.replace(/\\/g, '/'));
    if (clean.startsWith('/') || clean === '..' || clean.startsWith('../'))
      return refusal('is outside the repository');
    const abs = path.join(this.root, clean);
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch (error) {
      return this.unresolved(clean, error);
    }
    if (!this.contains(real)) return refusal(this.outsideReason(clean));
    return { ok: true, real };
  }

  /** Why a path did not resolve: absent, a broken link, a loop, no permission. */
  private unresolved(rel: string, error: unknown): Refusal {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return refusal('is reached through symbolic links that form a loop');
    if (code === 'EACCES' || code === 'EPERM') return refusal('cannot be opened (permission denied)');
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const link = this.brokenLink(rel);
      return link
        ? refusal(
            link === rel ? 'is a broken symbolic link' : `is reached through ${link}, a broken symbolic link`,
          )
        : refusal('does not exist', { missing: true });
    }
    return refusal(`could not be read (${code ?? 'error'})`);
  }

  /** The reason a path that resolves outside says so, naming the link that leads out. */
  private outsideReason(rel: string): string {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      let real: string;
      try {
        if (!lstatSync(path.join(this.root, prefix)).isSymbolicLink()) continue;
        real = realpathSync.native(path.join(this.root, prefix));
      } catch {
        continue;
      }
      if (!this.contains(real))
        return prefix === rel
          ? 'is a symbolic link that points outside the repository'
          : `is reached through ${prefix}, a symbolic link that points outside the repository`;
    }
    return 'resolves outside the repository';
  }

  /** The first component of `rel` that is a symbolic link pointing nowhere, if any (else `rel` is simply absent). */
  private brokenLink(rel: string): string | undefined {
    const parts = path.posix.normalize(rel).split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const abs = path.join(this.root, prefix);
      try {
        if (!lstatSync(abs).isSymbolicLink()) continue;
      } catch {
        return undefined;
      }
      try {
        realpathSync.native(abs);
      } catch {
        return prefix;
      }
    }
    return undefined;
  }

  /** Open the real path of `rel` for reading or writing, and check what was opened. */
  private openChecked(real: string, flags: number, expect: Stats): { fd: number; size: number } {
    const fd = openSync(real, flags | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
    let st: Stats;
    try {
      st = fstatSync(fd);
      if (!st.isFile() || st.dev !== expect.dev || st.ino !== expect.ino)
        throw new GuardError('changed while it was being opened');
      const opened = openedPath(fd);
      if (opened !== undefined && !this.contains(opened))
        throw new GuardError('resolves outside the repository');
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return { fd, size: st.size };
  }

  /**
   * A repository file's text: inside the repository (real path), a regular
   * file (never a FIFO or a device: opening one could block for ever), at most
   * `maxBytes`, and not binary.
   */
  read(rel: string): ReadResult {
    const where = this.resolve(rel);
    if (!where.ok) return where;
    let st: Stats;
    try {
      st = statSync(where.real);
    } catch (error) {
      return this.unresolved(rel, error);
    }
    if (st.isDirectory()) return refusal('is a folder, not a file', { folder: true });
    if (!st.isFile()) return refusal('is not a regular file');
    if (st.size > this.maxBytes) return refusal(`is larger than ${Math.round(this.maxBytes / 1024)} KiB`);
    let bytes: Buffer | undefined;
    try {
      const { fd, size } = this.openChecked(where.real, constants.O_RDONLY, st);
      try {
        bytes = readBounded(fd, size, this.maxBytes);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (error instanceof GuardError) return refusal(error.reason);
      return this.unresolved(rel, error);
    }
    if (bytes === undefined) return refusal(`is larger than ${Math.round(this.maxBytes / 1024)} KiB`);
    if (bytes.includes(0)) return refusal('holds binary data, not text');
    return { ok: true, text: bytes.toString('utf8') };
  }

  /** The names in a repository folder (inside the repository, through links), or why not. */
  list(rel: string): { ok: true; names: string[] } | Refusal {
    const where = this.resolve(rel);
    if (!where.ok) return where;
    try {
      if (!statSync(where.real).isDirectory()) return refusal('is not a folder', { notFolder: true });
      return { ok: true, names: readdirSync(where.real).sort() };
    } catch (error) {
      return this.unresolved(rel, error);
    }
  }

  /**
   * Replace a repository file whole: the existing file's real path must be
   * inside the repository and a regular file; the text goes to a new temporary
   * file beside it (created, never followed), which is then renamed over it.
   * A link to the file stays a link. Throws `FileWriteError` with one sentence.
   */
  write(rel: string, text: string): void {
    const where = this.resolve(rel);
    if (!where.ok)
      throw new FileWriteError(`Cannot write ${rel}: it ${where.reason}; nothing was written to it.`);
    const real = where.real;
    let st: Stats;
    try {
      st = statSync(real);
    } catch (error) {
      throw new FileWriteError(`Cannot write ${rel}: ${systemSaid(error)}.`);
    }
    if (!st.isFile())
      throw new FileWriteError(`Cannot write ${rel}: it is not a regular file; nothing was written to it.`);
    const tmp = path.join(
      path.dirname(real),
      `.${path.basename(real)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    let fd: number | undefined;
    try {
      fd = openSync(
        tmp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        st.mode & 0o777,
      );
      const opened = openedPath(fd);
      if (opened !== undefined && !this.contains(opened))
        throw new GuardError('resolves outside the repository');
      const data = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      // The target is checked again right before the rename: still inside, still a regular file.
      const again = this.resolve(rel);
      if (!again.ok || again.real !== real || !lstatSync(real).isFile())
        throw new GuardError('changed while it was being written');
      renameSync(tmp, real);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // not created, or already renamed
      }
      if (error instanceof GuardError)
        throw new FileWriteError(`Cannot write ${rel}: it ${error.reason}; nothing was written to it.`);
      throw new FileWriteError(`Cannot write ${rel}: ${systemSaid(error)}.`);
    }
  }
}

/** A check on an open file failed; `reason` completes "it …". */
class GuardError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The path the kernel reports for an open file (Linux); undefined where it does not say. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** The open file's bytes (its size checked on the descriptor), or undefined when it holds more than `max`. */
function readBounded(fd: number, size: number, max: number): Buffer | undefined {
  if (size > max) return undefined;
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off === size ? buf : buf.subarray(0, off);
}

function systemSaid(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'EROFS') return 'the file system is read-only';
  return `the system said ${code ?? 'no'}`;
}
