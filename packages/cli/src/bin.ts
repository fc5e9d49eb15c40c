#!/usr/bin/env node
// A thin bin: everything lives in main.ts and the command modules.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
