/**
 * run-log.json keeps every session of a resumed run (issue 28, item 5), the killed ones included:
 * a session is written when it starts, and one that never ended (SIGKILL, or SIGTERM's exit) is
 * closed on the next resume with the records it appended. The report's header and the summary
 * give the totals over all sessions.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, runCli } from '../cli-process.js';
import { FAST_MODEL_FLAGS, ilsvrcSubset } from '../fixtures.js';

const IMAGES = 150;

/** Complete lines of results.jsonl (a torn last line, cut on resume, is not counted). */
function records(out: string): number {
  const path = join(out, 'results.jsonl');
  return existsSync(path) ? (readFileSync(path, 'utf8').match(/\n/g) ?? []).length : 0;
}

/** Starts `run`, waits until results.jsonl holds more than `after` records, then sends `signal`. */
function runUntilKilled(args: readonly string[], out: string, after: number, signal: NodeJS.Signals) {
  return new Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (records(out) > after) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 5);
    child.on('error', fail);
    child.on('close', (code, killedBy) => {
      clearInterval(poll);
      done({ signal: killedBy, code, stderr });
    });
  });
}

interface Session {
  started: string;
  finished: string;
  images: number;
  seconds: number;
  imagesPerSecond?: number;
  interrupted?: boolean;
}
const sessionsOf = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'run-log.json'), 'utf8')) as { sessions: Session[] }).sessions;

describeWithTestBed('run-log.json across killed and resumed sessions', () => {
  it('a run killed by SIGKILL, then by SIGTERM, then resumed to its end: three sessions, totals over all images', async () => {
    const dataset = ilsvrcSubset(IMAGES);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-sessions-')), 'run');
    const args = ['run', dataset, ...FAST_MODEL_FLAGS, '--out', out, '--workers', '1', '--batch', '1'];

    const killed = await runUntilKilled(args, out, 10, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const first = records(out);
    expect(first).toBeLessThan(IMAGES);
    // written at its start: there although the process never reached its end
    expect(sessionsOf(out)).toMatchObject([{ finished: null, images: 0 }]);

    const stopped = await runUntilKilled([...args, '--resume'], out, first + 10, 'SIGTERM');
    expect(stopped.code, stopped.stderr).not.toBe(0);
    const second = records(out) - first;
    expect(first + second).toBeLessThan(IMAGES);

    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const sessions = sessionsOf(out);
    expect(sessions).toHaveLength(3);
    expect(sessions.map((s) => s.images)).toEqual([first, second, IMAGES - first - second]);
    expect(sessions.map((s) => s.interrupted === true)).toEqual([true, true, false]);
    for (const s of sessions) {
      expect(Date.parse(s.finished)).toBeGreaterThanOrEqual(Date.parse(s.started));
      expect(s.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(Date.parse(sessions[1]!.started)).toBeGreaterThanOrEqual(Date.parse(sessions[0]!.finished));

    const seconds = sessions.reduce((sum, s) => sum + s.seconds, 0);
    expect(resumed.stderr).toContain(`all 3 sessions: ${IMAGES} images in ${seconds.toFixed(1)} s`);
    const header = readFileSync(join(out, 'report.md'), 'utf8');
    expect(header).toContain(`${IMAGES} images in ${seconds.toFixed(1)} s`);
    expect(header).toContain('3 sessions: resumed');
  }, 240_000);
});
