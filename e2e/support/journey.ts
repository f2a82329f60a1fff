/**
 * What the browser journeys share: where Chromium is (and the reason to skip when it is not), how
 * it is launched, and the step runner. Steps build on each other, so after one fails the later ones
 * are skipped rather than failing for the same reason; a failing step leaves screenshots and HTML
 * of every open page. Accessibility findings fail their own step but do not stop the journey.
 */
import { test, type TestContext as NodeTestContext } from 'node:test';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import type { PageHealth } from './page-health.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** False when Chromium is there; otherwise why the browser tests are skipped. */
export const chromiumMissing: string | false = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
/** Failure screenshots and page HTML go here (gitignored). */
export const SCREENSHOTS = join(fileURLToPath(new URL('../..', import.meta.url)), '.tmp', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A step runner for one journey. `prefix` names its failure files (`<prefix>failure-<n>.png`); old
 * ones of that prefix are removed when the runner is made.
 */
export function journeySteps(opts: { health: PageHealth; contexts: readonly BrowserContext[]; prefix: string }) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const f of readdirSync(SCREENSHOTS)) if (f.startsWith(`${opts.prefix}failure-`)) rmSync(join(SCREENSHOTS, f));
  let brokenAt: string | null = null;
  return function step(name: string, fn: (t: NodeTestContext) => Promise<void>): void {
    test(name, { skip: chromiumMissing }, async (t) => {
      if (brokenAt) {
        t.skip(`an earlier step failed: ${brokenAt}`);
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        brokenAt = name;
        for (const [i, c] of opts.contexts.entries()) {
          for (const pg of c.pages()) {
            await pg.screenshot({ path: join(SCREENSHOTS, `${opts.prefix}failure-${i}.png`), fullPage: true }).catch(() => {});
            await writeFile(join(SCREENSHOTS, `${opts.prefix}failure-${i}.html`), await pg.content().catch(() => '')).catch(() => {});
          }
        }
        t.diagnostic(`failure screenshots and HTML in ${SCREENSHOTS}`);
        const { findings } = opts.health.take();
        if (findings.length) t.diagnostic(`axe violations so far:\n${findings.map((x) => x.text).join('\n')}`);
        throw e;
      }
      opts.health.assertHealthy(t);
    });
  };
}
