/**
 * The view server: 127.0.0.1 only, every URL under a random token (`/<token>/...`), and a fixed
 * set of things it hands out: the page, its bundle, each run's data script, the photos of the
 * runs' records by index (no path from the URL reaches the file system), and files inside the run
 * folders (confine.ts). Everything else is 404; responses carry the page's CSP and nosniff.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { extname } from 'node:path';
import { readRegularFile } from '@cam-localize/core/workers';
import { fileInside } from './confine.js';
import { VIEW_CSP } from './page-html.js';

export interface ServedRun {
  readonly key: 'a' | 'b';
  readonly folder: string;
  readonly dataScript: string;
  readonly photos: readonly string[];
}

export interface ViewServerOptions {
  readonly runs: readonly ServedRun[];
  readonly html: string;
  readonly pageScript: string;
  readonly port?: number;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

function typeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface ViewServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/** Starts the server; `url` is the page's address, token included. */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const token = randomBytes(18).toString('base64url');
  const server: Server = createServer((request, response) => {
    void answer(request.url ?? '/', options, token).then(
      ({ status, type, body }) => {
        response.writeHead(status, {
          'Content-Type': type,
          'Content-Security-Policy': VIEW_CSP,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-store',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => {
        response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end('error');
      },
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    token,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

interface Answer {
  status: number;
  type: string;
  body: string | Buffer;
}

const NOT_FOUND: Answer = { status: 404, type: 'text/plain; charset=utf-8', body: 'not found' };

async function answer(rawUrl: string, options: ViewServerOptions, token: string): Promise<Answer> {
  const path = rawUrl.split('?')[0]!.split('#')[0]!;
  const prefix = `/${token}/`;
  if (!path.startsWith(prefix)) return NOT_FOUND;
  const rest = path.slice(prefix.length);
  if (rest === '' || rest === 'index.html') return { status: 200, type: TYPES['.html']!, body: options.html };
  if (rest === 'page.js') return { status: 200, type: TYPES['.js']!, body: options.pageScript };
  const match = /^(data|photo|run)\/(a|b)(?:\.js|\/(.*))$/.exec(rest);
  if (match === null) return NOT_FOUND;
  const [, kind, key, tail] = match;
  const run = options.runs.find((r) => r.key === key);
  if (run === undefined) return NOT_FOUND;
  if (kind === 'data' && tail === undefined)
    return { status: 200, type: TYPES['.js']!, body: run.dataScript };
  if (kind === 'photo' && tail !== undefined && /^\d{1,9}$/.test(tail)) {
    const file = run.photos[Number(tail)];
    if (file === undefined) return NOT_FOUND;
    return { status: 200, type: typeOf(file), body: await readRegularFile(file) };
  }
  if (kind === 'run' && tail !== undefined) {
    const file = await fileInside(run.folder, tail);
    if (file === undefined) return NOT_FOUND;
    return { status: 200, type: typeOf(file), body: await readRegularFile(file) };
  }
  return NOT_FOUND;
}
