/**
 * Builds the stylesheet and copies the browser scripts into public/generated.
 * Run by `npm ci` (postinstall) and again by `npm start` when the output is missing.
 */
import { compile, NodePackageImporter } from 'sass';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
export const generatedDir = join(root, 'public', 'generated');

export function buildAssets(): void {
  mkdirSync(generatedDir, { recursive: true });
  const css = compile(join(root, 'src', 'assets', 'app.scss'), {
    style: 'compressed',
    importers: [new NodePackageImporter()],
    quietDeps: true,
    silenceDeprecations: ['import'],
  });
  writeFileSync(join(generatedDir, 'app.css'), css.css);
  copyFileSync(
    join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js'),
    join(generatedDir, 'govuk-frontend.min.js'),
  );
  for (const script of ['init.js', 'phone.js']) copyFileSync(join(root, 'src', 'assets', script), join(generatedDir, script));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildAssets();
  console.log('Built stylesheet and scripts into public/generated');
}
