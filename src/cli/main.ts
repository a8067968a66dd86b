#!/usr/bin/env node
import { processIO } from './io.js';
import { runQuick } from './quick.js';

// The only process.exit in the code base: everything else returns or throws.
// `reset` and its kin run between every trial: they start without commander (quick.ts).
const argv = process.argv.slice(2);
const io = processIO();
const code = await (runQuick(argv, io) ?? import('./program.js').then(({ runCli }) => runCli(argv, io)));
process.exitCode = code;
// `logs --follow` and open sockets must not keep a finished command alive.
if (!process.argv.includes('--follow') && !process.argv.includes('-f')) process.exit(code);
