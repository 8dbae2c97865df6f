/**
 * SIGINT and SIGTERM stop a run: its temporary files are removed, no report is
 * put in place, and the process exits 130 (SIGINT) or 143 (SIGTERM), the codes
 * a shell gives a process that a signal ends.
 *
 * Node runs a signal's handler only when the event loop turns, and a run's work
 * (parsing, rules, reporters) is mostly synchronous: the run pauses at short
 * intervals (`letSignalsIn`), between rules, between phases and between the
 * pieces of a report, so that a pending signal ends it there.
 */

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

let reportsInPlace = false;

/** From now on the run's reports are in place: a signal no longer means that none was written. */
export function markReportsInPlace(): void {
  reportsInPlace = true;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A pause that lets a pending signal's handler run. One `setImmediate` can run
 * before the loop has polled for the signal; the second runs after a poll.
 */
export async function letSignalsIn(): Promise<void> {
  await immediate();
  await immediate();
}

/** Install the handlers; `cleanup` removes temporary files. Returns a function that removes them. */
export function handleSignals(stderr: (s: string) => void, cleanup: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    stderr(
      reportsInPlace
        ? `trustgate: stopped by ${signal} after the reports were written.\n`
        : `trustgate: stopped by ${signal}; no report was written.\n`,
    );
    process.exit(SIGNAL_EXIT_CODES[signal as StopSignal] ?? 130);
  };
  for (const signal of Object.keys(SIGNAL_EXIT_CODES)) process.on(signal, onSignal);
  return () => {
    for (const signal of Object.keys(SIGNAL_EXIT_CODES)) process.off(signal, onSignal);
  };
}
