/** A real headless Chromium for the HTML pages' tests, where the machine has one. */
import { existsSync } from 'node:fs';

const chromiumPath = process.env.CAM_LOCALIZE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

// biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
export async function launchChromium(): Promise<any> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
}
