#!/usr/bin/env node
import { processIO } from './io.js';
import { runCli } from './program.js';

// The only process.exit in the code base: everything else returns or throws.
const code = await runCli(process.argv.slice(2), processIO());
process.exitCode = code;
// `logs --follow` and open sockets must not keep a finished command alive.
if (!process.argv.includes('--follow') && !process.argv.includes('-f')) process.exit(code);
