/**
 * The stale-lock takeover under a race: several real processes start at once on run directories
 * whose lock was left by a dead process, and exactly one of them may hold each lock. The processes
 * meet at shared instants (one per directory) so that their takeovers overlap, and keep what they
 * took until every process has tried every directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunLock } from '../../src/pipeline/run-lock.js';

const LOCK_MODULE = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'pipeline', 'run-lock.js'),
).href;

/** Each process: at instant start + t * step, tries the lock of dirs[t]; prints `held t` or `busy t`. */
const CONTENDER = `
import { RunLock } from ${JSON.stringify(LOCK_MODULE)};
const { start, step, dirs } = JSON.parse(process.argv[1]);
const held = [];
for (const [t, dir] of dirs.entries()) {
  while (performance.timeOrigin + performance.now() < start + t * step) {}
  try {
    held.push(RunLock.acquire(dir, 'run'));
    process.stdout.write('held ' + t + '\\n');
  } catch (error) {
    process.stdout.write((/in use by/.test(error.message) ? 'busy ' : 'error ') + t + ' ' + error.message + '\\n');
  }
}
process.stdout.write('done\\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

const PROCESSES = 4;
const TRIALS = 300;

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('stale-lock takeover by processes starting at once', () => {
  it(`elects exactly one holder of each stale lock (${PROCESSES} processes, ${TRIALS} directories)`, async () => {
    const dirs = Array.from({ length: TRIALS }, () => mkdtempSync(join(tmpdir(), 'cam-lock-race-')));
    const dead = deadPid();
    for (const dir of dirs) {
      writeFileSync(
        join(dir, 'run.lock'),
        JSON.stringify({ pid: dead, host: hostname(), started: '2020-01-01T00:00:00Z', command: 'run' }),
      );
    }
    const plan = JSON.stringify({ start: Date.now() + 2500, step: 10, dirs });
    const children = Array.from({ length: PROCESSES }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, plan], {
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    const outputs = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((done, fail) => {
            let out = '';
            let err = '';
            child.stdout.on('data', (d) => {
              out += d;
              if (out.endsWith('done\n')) done(out);
            });
            child.stderr.on('data', (d) => (err += d));
            child.on('error', fail);
            child.on('exit', (code) => fail(new Error(`contender exited early (${code}): ${err}`)));
          }),
      ),
    );
    // Every process still holds what it took: read the lock files before letting them go.
    const lockPids = dirs.map((dir) => JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')).pid);
    const exits = children.map((child) => new Promise((done) => child.on('exit', done)));
    for (const child of children) child.stdin.end();
    await Promise.all(exits);

    const holders = dirs.map(() => [] as number[]);
    for (const [p, out] of outputs.entries()) {
      for (const line of out.trim().split('\n')) {
        expect(line).toMatch(/^(held|busy) \d+|^done$/);
        const [verdict, trial] = line.split(' ');
        if (verdict === 'held') holders[Number(trial)]!.push(children[p]!.pid!);
      }
    }
    const doubled = holders.map((h, t) => ({ t, h })).filter(({ h }) => h.length !== 1);
    expect(doubled, 'directories without exactly one holder').toEqual([]);
    expect(lockPids).toEqual(holders.map((h) => h[0]));
  });

  it('clears a takeover guard left by a process that died inside its takeover, once it is old', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-lock-guard-'));
    const stale = { pid: deadPid(), host: hostname(), started: '2020-01-01T00:00:00Z', command: 'run' };
    writeFileSync(join(dir, 'run.lock'), JSON.stringify(stale));
    const guard = join(dir, 'run.lock.takeover');
    writeFileSync(guard, '');
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(guard, minuteAgo, minuteAgo);
    const lock = RunLock.acquire(dir, 'run');
    expect(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')).pid).toBe(process.pid);
    expect(existsSync(guard)).toBe(false);
    lock.release();
  });
});
