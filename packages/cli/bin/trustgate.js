#!/usr/bin/env node
// Runs the compiled CLI. Kept tiny so that start-up stays fast.
let cli;
try {
  cli = await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/main.js')) throw error;
  process.stderr.write('trustgate: the CLI is not built; run `pnpm run build` in the trustgate checkout.\n');
  process.exit(3);
}
process.exitCode = await cli.main(process.argv.slice(2));
