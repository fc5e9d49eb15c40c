/**
 * The view server's and --export's confinement, on a synthetic run folder (no test bed): the server
 * answers on 127.0.0.1 under its token only, and hands out the run's files and its records' photos
 * and nothing else (`..`, encoded `..`, absolute paths, links out of the folder are 404); --export
 * refuses a DIR whose inside leads out through a planted link. Requests go out raw (http.request),
 * since fetch would normalise the dots away.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/view/run-data.js';
import { BIN, runCli } from '../cli-process.js';

const base = mkdtempSync(join(tmpdir(), 'cam-view-server-'));
const runDir = join(base, 'run');
const photo = join(base, 'photos', 'one.jpg');

function syntheticRun(): void {
  mkdirSync(join(base, 'photos'));
  writeFileSync(photo, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  writeFileSync(join(base, 'secret.txt'), 'secret');
  mkdirSync(runDir);
  writeFileSync(
    join(runDir, 'config.json'),
    JSON.stringify({ command: 'run', threshold: '0.2', boxes: 'largest' }),
  );
  const record = {
    id: 'one.jpg',
    file: photo,
    status: 'ok',
    width: 8,
    height: 8,
    gtClass: 1,
    gtName: '<img src=x onerror=alert(1)>',
    gtBoxes: [[1, 1, 5, 5]],
    top: [{ class: 1, score: 3 }],
    predicted: { class: 1, boxes: [[0, 0, 8, 8]], iou: 0.25 },
  };
  writeFileSync(join(runDir, 'results.jsonl'), `${JSON.stringify(record)}\n`);
  const data = Buffer.from(new Float32Array([0, 0.5, 1, 0.25]).buffer).toString('base64');
  const geometry = {
    originalWidth: 8,
    originalHeight: 8,
    resizeWidth: 8,
    resizeHeight: 8,
    cropX: 0,
    cropY: 0,
    inputWidth: 8,
    inputHeight: 8,
  };
  writeFileSync(
    join(runDir, 'grid-maps.jsonl'),
    `${JSON.stringify({ id: 'one.jpg', geometry, gt: [[1, 1, 5, 5]], maps: [{ class: 1, width: 2, height: 2, data }] })}\n`,
  );
  symlinkSync(join(base, 'secret.txt'), join(runDir, 'link-out.txt'));
}

function get(
  port: number,
  path: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('cam-localize view: what the server and --export may touch', () => {
  let stop: () => void = () => undefined;
  let port = 0;
  let token = '';

  beforeAll(async () => {
    syntheticRun();
    const url = await new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, [BIN, 'view', runDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) done(out.trim());
      });
      child.on('close', (code) => fail(new Error(`view exited ${code}: ${err}`)));
      stop = () => child.kill('SIGTERM');
    });
    const parsed = new URL(url);
    expect(parsed.hostname).toBe('127.0.0.1');
    port = Number(parsed.port);
    token = parsed.pathname.split('/')[1]!;
  }, 60_000);
  afterAll(() => stop());

  it('serves the page, its data, the run files and the records photos under the token', async () => {
    const page = await get(port, `/${token}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).not.toContain('onerror');
    const data = await get(port, `/${token}/data/a.js`);
    expect(data.status).toBe(200);
    // The class name reaches the page as data, with `<` escaped so it cannot close a script.
    expect(data.body).toContain('\\u003cimg src=x onerror=alert(1)>');
    expect(data.body).not.toContain('<img');
    expect((await get(port, `/${token}/run/a/config.json`)).status).toBe(200);
    expect((await get(port, `/${token}/photo/a/0`)).status).toBe(200);
    expect((await get(port, `/${token}/page.js`)).status).toBe(200);
  });

  it('refuses everything else: no token, .., encoded .., absolute paths, links out, other photos', async () => {
    const refused = [
      '/',
      '/index.html',
      `/${token.slice(1)}/`,
      `/${token}/run/a/../secret.txt`,
      `/${token}/run/a/../../secret.txt`,
      `/${token}/run/a/%2e%2e/secret.txt`,
      `/${token}/run/a/..%2fsecret.txt`,
      `/${token}/run/a/%252e%252e/secret.txt`,
      `/${token}/run/a/%2Fetc%2Fpasswd`,
      `/${token}/run/a//etc/passwd`,
      `/${token}/run/a/..\\secret.txt`,
      `/${token}/run/a/link-out.txt`,
      `/${token}/run/b/config.json`,
      `/${token}/photo/a/1`,
      `/${token}/photo/a/..%2f..%2fsecret.txt`,
      `/${token}/../secret.txt`,
    ];
    for (const path of refused) {
      const answer = await get(port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('secret');
    }
  });

  it('refuses a --protocol wsolevaluation run, saying why and what to view instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-view-wsol-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ command: 'run', protocol: 'wsolevaluation' }));
    const error = await loadRun(dir, 'a', () => '').then(
      () => undefined,
      (e: unknown) => e as Error & { hint?: string },
    );
    expect(error?.message).toMatch(/--protocol wsolevaluation boxes every contour/);
    expect(error?.hint).toMatch(/without --protocol wsolevaluation/);
  });

  it('--export writes only inside DIR: a planted link out of it stops the export', async () => {
    const dir = join(base, 'export');
    const outside = join(base, 'outside');
    mkdirSync(dir);
    mkdirSync(outside);
    symlinkSync(outside, join(dir, 'photos'));
    const made = await runCli(['view', runDir, '--export', dir]);
    expect(made.code).toBe(1);
    expect(made.stderr).toContain('outside');
    expect(readdirSync(outside)).toEqual([]);
    const clean = join(base, 'export-clean');
    const ok = await runCli(['view', runDir, '--export', clean]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(clean).sort()).toEqual(['data', 'index.html', 'page.js', 'photos']);
  });
});
