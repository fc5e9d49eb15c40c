import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, repoRoot } from '../../../../test-support/testbed.js';
import { invocation, resumeCommand } from '../../src/pipeline/interrupt.js';
import { BIN } from '../cli-process.js';
import { FAST_MODEL_FLAGS, ilsvrcSubset } from '../fixtures.js';

/** Issue 26, item 5: commands run as printed (the bin/ shim, pnpm -s, the resume line). */
describe('commands run as printed', () => {
  it('the resume line starts with the invocation that ran, and quotes for a POSIX shell', () => {
    expect(invocation({ CAM_LOCALIZE_INVOKED_AS: 'cam-localize' }, BIN)).toEqual(['cam-localize']);
    expect(invocation({ npm_lifecycle_event: 'cam-localize' }, BIN)).toEqual(['pnpm', '-s', 'cam-localize']);
    expect(invocation({}, '/usr/local/bin/cam-localize')).toEqual(['cam-localize']);
    expect(invocation({}, '/a b/bin.cjs')).toEqual(['node', "'/a b/bin.cjs'"]);
    expect(resumeCommand(['run', 'd s', '--overwrite'], ['node', BIN])).toBe(
      `node ${BIN} run 'd s' --resume`,
    );
  });

  it('bin/cam-localize runs from the PATH as the README types it', () => {
    const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${process.env.PATH}` };
    expect(execFileSync('sh', ['-c', 'cam-localize --version'], { env, encoding: 'utf8' }).trim()).toMatch(
      /^\d+\.\d+\.\d+$/,
    );
  });

  it('pnpm -s cam-localize writes only the command output on stdout (pipe-able to jq)', () => {
    const result = spawnSync('pnpm', ['-s', 'cam-localize', '--version'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describeWithTestBed('the Ctrl-C line through bin/cam-localize', () => {
  it('says `cam-localize run ... --resume`, which finishes the run when pasted into the same shell', async () => {
    const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${process.env.PATH}` };
    const out = mkdtempSync(join(tmpdir(), 'cam-shim-'));
    const results = join(out, 'results.jsonl');
    const args = ['run', ilsvrcSubset(24), ...FAST_MODEL_FLAGS, '--out', out, '--batch', '2', '--no-report'];
    const child = spawn('sh', ['-c', `exec cam-localize ${args.join(' ')}`], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = new Promise<string>((done) =>
      child.on('close', (code, signal) => done(String(code ?? signal))),
    );
    while (!existsSync(results) || readFileSync(results, 'utf8').split('\n').length < 4) await delay(100);
    child.kill('SIGINT');
    // Killed by the re-raised SIGINT (a shell reports it as 130).
    expect(['130', 'SIGINT']).toContain(await exit);
    const line = /continue with:\n\s+(.+)\n/.exec(stderr)?.[1];
    expect(line).toBe(`cam-localize ${args.join(' ')} --resume`);
    const resumed = spawnSync('sh', ['-c', line!], { env, encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readFileSync(results, 'utf8').trim().split('\n')).toHaveLength(24);
  });
});
