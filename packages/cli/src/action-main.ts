// The GitHub Action's entry point, bundled into action/dist/index.mjs by scripts/build-action.mjs.
import { runAction } from './action.js';

process.exitCode = await runAction(process.env, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
