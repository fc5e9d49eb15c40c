import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/help.js';
import { buildProgram } from '../../src/main.js';
import { runCli } from '../cli-process.js';

/** The commands the program has, as its top-level help lists them. */
const COMMANDS = (await buildProgram()).commands.map((command) => command.name());

describe('--help of every command', () => {
  const help = new Map<string, string>();
  beforeAll(async () => {
    await Promise.all(
      COMMANDS.map(async (command) => {
        const { code, stdout } = await runCli([command, '--help']);
        expect(code, command).toBe(0);
        help.set(command, stdout);
      }),
    );
  });

  it('knows the commands', () => {
    expect(COMMANDS).toEqual(
      expect.arrayContaining(['run', 'predict', 'eval', 'inspect', 'doctor', 'report', 'merge']),
    );
  });

  it('ends with two or three examples of the command itself', () => {
    for (const command of COMMANDS) {
      const stdout = help.get(command)!;
      const examples = stdout.split('\nExamples:\n')[1];
      expect(examples, `${command} --help has an Examples: section`).toBeDefined();
      const lines = examples!.trimEnd().split('\n');
      expect(lines.length, command).toBeGreaterThanOrEqual(command === 'compare' ? 1 : 2);
      expect(lines.length, command).toBeLessThanOrEqual(3);
      for (const line of lines)
        expect(line, command).toMatch(new RegExp(`^  \\$ cam-localize ${command}( |$)`));
      expect(lines.length).toBe(EXAMPLES[command]!.length);
    }
  });

  it('marks the options a command cannot run without as required, and no others', () => {
    const required: Record<string, string[]> = {
      run: ['--model <onnx>'],
      predict: ['--model <onnx>'],
      eval: ['--cams <dir>'],
      merge: ['--out <path>'],
    };
    for (const command of COMMANDS) {
      const stdout = help.get(command)!;
      // An option's help runs from its flags to the next option (wrapped lines included).
      const options = stdout.split('\nOptions:\n')[1]!.split('\nExamples:\n')[0]!;
      const marked = options
        .split(/\n(?= {2}-)/)
        .filter((entry) => entry.replace(/\s+/g, ' ').includes('(required)'))
        .map((entry) => entry.trim().split(/\s{2,}/)[0]);
      expect(marked, command).toEqual(required[command] ?? []);
    }
  });

  it('shows the defaults: preset, batch, workers, threshold, progress interval, colormap and alpha', () => {
    const text = help.get('predict')!.replace(/\s+/g, ' ');
    expect(text).toContain('preprocessing preset (default: imagenet');
    expect(text).toMatch(/--batch <n> images per forward pass \(default 8 on the CPU, 32 on a GPU/);
    expect(text).toMatch(/--workers <n> .*\(default: max\(2, cores - 1\) = \d+/);
    expect(text).toContain('(default: "0.2")');
    expect(text).toMatch(/--progress-interval <seconds> .*\(default: 10\)/);
    expect(text).toMatch(/--colormap <name> .*choices: "jet", "turbo", "viridis", "inferno", default: "jet"/);
    expect(text).toMatch(/--alpha <a> .*\(default: 0\.5\)/);
  });
});
