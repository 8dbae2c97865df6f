import { randomBytes } from 'node:crypto';
import {
  closeSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { ReportData } from '@trustgate/core';
import { TrustgateError } from '@trustgate/core/errors';
import { letSignalsIn } from './signals.js';

/** A file the run reads, that no report may replace. */
export interface InputFile {
  file: string;
  /** As the user named it. */
  shown: string;
  /** "the policy file", "the facts file", … */
  what: string;
}

/**
 * Where a path leads: the file's device and inode when it exists (so a
 * symbolic link and a hard link lead to the file itself), else the path it
 * would be created at, through the real path of its folder.
 */
function identity(file: string): { key: string; special: boolean } | undefined {
  try {
    const st = statSync(file);
    return { key: `${st.dev}:${st.ino}`, special: !st.isFile() && !st.isDirectory() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  let dir = path.resolve(path.dirname(file));
  try {
    dir = realpathSync(dir);
  } catch {
    // a folder that does not exist: writing will say so
  }
  return { key: path.join(dir, path.basename(file)), special: false };
}

/**
 * Refuse (exit 2) a report file that would replace an input of the run, and
 * two reports written to one file (the later would silently replace the
 * earlier). A device or FIFO (/dev/null) is written in place, in turn, and may
 * take several.
 */
export function refuseOutputsOverInputs(
  outputs: readonly { format: string; file?: string }[],
  inputs: readonly InputFile[],
): void {
  const inputKeys = new Map<string, InputFile>();
  for (const input of inputs) {
    const id = identity(input.file);
    if (id && !inputKeys.has(id.key)) inputKeys.set(id.key, input);
  }
  const outputKeys = new Map<string, string>();
  for (const output of outputs) {
    if (output.file === undefined) continue;
    const spec = `--format ${output.format}=${output.file}`;
    const id = identity(output.file);
    if (!id) continue;
    const input = inputKeys.get(id.key);
    if (input) {
      throw new TrustgateError(
        'E_ARGS',
        `${spec} would replace ${input.what} ${input.shown}, which this run reads; write the report to another file.`,
      );
    }
    if (id.special) continue;
    const earlier = outputKeys.get(id.key);
    if (earlier !== undefined) {
      throw new TrustgateError(
        'E_ARGS',
        `${earlier} and ${spec} write to the same file; give each format a file of its own.`,
      );
    }
    outputKeys.set(id.key, spec);
  }
}

/** Temporary files not yet renamed into place; removed if the process is interrupted. */
const pending = new Set<string>();

/** A report written beside its target, to be renamed into place by `commitFile`. */
export interface StagedFile {
  file: string;
  /** Undefined: the target is a device or a FIFO, written in place (nothing to rename). */
  tmp: string | undefined;
}

/**
 * Write a file atomically: a temporary file beside it, then a rename. A target
 * that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO, the
 * file behind $GITHUB_STEP_SUMMARY may be one) is written in place: renaming
 * over it would replace a device with a file.
 */
export function writeAtomic(file: string, data: ReportData): void {
  const staged = stageStart(file);
  try {
    writeData(staged.tmp ?? file, data);
  } catch (error) {
    discardFile(staged);
    throw writeError(file, error);
  }
  commitFile(staged);
}

/**
 * The first half of `writeAtomic`: the data in a temporary file beside `file`.
 * A report given in pieces is written with pauses that let a signal stop the
 * run (its handler removes the temporary file). `commitFile` finishes it.
 */
export async function stageFile(file: string, data: ReportData): Promise<StagedFile> {
  const staged = stageStart(file);
  try {
    await writeDataPaced(staged.tmp ?? file, data);
  } catch (error) {
    discardFile(staged);
    throw writeError(file, error);
  }
  return staged;
}

/** Rename a staged file into place. */
export function commitFile(staged: StagedFile): void {
  if (staged.tmp === undefined) return;
  try {
    renameSync(staged.tmp, staged.file);
  } catch (error) {
    discardFile(staged);
    throw writeError(staged.file, error);
  }
  pending.delete(staged.tmp);
}

/** Remove a staged file that will not be committed. */
export function discardFile(staged: StagedFile): void {
  if (staged.tmp === undefined) return;
  rmSync(staged.tmp, { force: true });
  pending.delete(staged.tmp);
}

/** Remove temporary files left by an interrupted write. */
export function removePending(): void {
  for (const tmp of pending) rmSync(tmp, { force: true });
  pending.clear();
}

function stageStart(file: string): StagedFile {
  let special = false;
  try {
    const st = statSync(file);
    special = !st.isFile() && !st.isDirectory();
  } catch {
    // absent: the usual case
  }
  if (special) return { file, tmp: undefined };
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  pending.add(tmp);
  return { file, tmp };
}

function writeError(file: string, error: unknown): TrustgateError {
  if (error instanceof TrustgateError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'its folder does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : `the system said ${code ?? 'no'}`;
  return new TrustgateError('E_OUTPUT', `Cannot write ${file}: ${why}.`);
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

/** As `writeData`, letting signals in between pieces now and then. */
async function writeDataPaced(file: string, data: ReportData): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    writeFileSync(file, data);
    return;
  }
  const fd = openSync(file, 'w');
  try {
    const pace = pacer();
    for (const piece of data) {
      writeSync(fd, piece);
      await pace();
    }
  } finally {
    closeSync(fd);
  }
}

/** Every PACE_MS of work, a pause that lets a pending signal's handler run. */
const PACE_MS = 20;

/** A function to call in a long loop: it pauses (lets signals in) when PACE_MS have passed. */
export function pacer(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < PACE_MS) return undefined;
    last = now;
    return letSignalsIn();
  };
}
