#!/usr/bin/env node
import { runCli } from './cli/run.js';

// The explicit exit matters: wasm worker threads keep Node's event loop alive after the work is done.
process.exit(await runCli(process.argv.slice(2)));
