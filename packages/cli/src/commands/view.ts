/**
 * `cam-localize view RUN [RUN_B] [--port N] [--open] [--export DIR]`: an interactive page over run
 * folders, served on 127.0.0.1 with a random token in the URL, or written as a static folder.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { UsageError } from '@cam-localize/core';
import type { Command } from 'commander';
import { positiveInteger } from '../options.js';
import { exportView } from '../view/export.js';
import { viewPageHtml } from '../view/page-html.js';
import { dataScript, loadRun, photoExtension } from '../view/run-data.js';
import { startViewServer } from '../view/server.js';

interface ViewFlags {
  port?: number;
  open?: boolean;
  export?: string;
}

const PAGE_SCRIPT = new URL('../view/page.js', import.meta.url);

export function registerView(program: Command): void {
  program
    .command('view')
    .description('an interactive page over a run: boxes recomputed live at any CAM threshold')
    .argument('<run>', 'run folder (made by run or predict, with grid-maps.jsonl)')
    .argument('[run-b]', 'a second run of the same images, shown side by side')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', positiveInteger('--port'))
    .option('--open', 'open the page in the default browser')
    .option('--export <dir>', 'write the page as a static folder instead of serving it')
    .action(async (runA: string, runB: string | undefined, flags: ViewFlags) => view(runA, runB, flags));
}

async function view(runA: string, runB: string | undefined, flags: ViewFlags): Promise<void> {
  const pageScript = await readFile(PAGE_SCRIPT, 'utf8').catch(() => {
    throw new UsageError(`the page bundle ${PAGE_SCRIPT.pathname} is missing; run pnpm build`);
  });
  const folders = runB === undefined ? [runA] : [runA, runB];
  const keys = (['a', 'b'] as const).slice(0, folders.length);
  const html = viewPageHtml(keys);
  const exporting = flags.export !== undefined;
  const loaded = await Promise.all(
    folders.map((folder, k) =>
      loadRun(folder, keys[k]!, (index, file) =>
        exporting ? `photos/${keys[k]}/${index}${photoExtension(file)}` : `photo/${keys[k]}/${index}`,
      ),
    ),
  );
  if (flags.export !== undefined) {
    const files = await exportView(
      flags.export,
      html,
      pageScript,
      loaded.map(({ run, photos }) => ({
        key: run.key,
        dataScript: dataScript(run),
        photos: photos.map((file, index) => ({ file, name: `${index}${photoExtension(file)}` })),
      })),
    );
    process.stderr.write(`view: wrote ${files} files to ${flags.export} (open index.html)\n`);
    return;
  }
  const server = await startViewServer({
    html,
    pageScript,
    ...(flags.port === undefined ? {} : { port: flags.port }),
    runs: loaded.map(({ run, photos }, k) => ({
      key: run.key,
      folder: folders[k]!,
      dataScript: dataScript(run),
      photos,
    })),
  });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write('view: serving on 127.0.0.1 only; Ctrl-C stops\n');
  if (flags.open) {
    const opener =
      process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [server.url], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
  await new Promise<void>((done) => {
    const stop = () => void server.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
