import { formatDoctor, parseDevice, runDoctor } from '@cam-localize/core';
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';

interface DoctorFlags {
  json?: boolean;
  device: string;
}

/**
 * `cam-localize doctor`: which providers work here and, for each missing one, why and the command
 * that fixes it. Exit 0 when the requested --device would work, 1 otherwise.
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the execution providers (cpu, cuda, webgpu): what works, what is missing, how to fix it',
    )
    .option(
      '--device <device>',
      'the device to check: auto, cpu, cuda, cuda:N, webgpu (exit 1 when it would not work)',
      parseDevice,
      'auto',
    )
    .option('--json', 'print JSON')
    .action(async (flags: DoctorFlags) => {
      const report = await runDoctor({ device: flags.device });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
      process.exitCode = report.ok ? EXIT_OK : EXIT_FAILURE;
    });
}
