// Builds web/dist: the three pages (form, follow-up, officers' desk), the stylesheet and one
// bundle per page (esbuild, ESM).
// Third-party code comes only from node_modules (npm ci), pinned by package-lock.json.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, 'assets'), { recursive: true });

await build({
  entryPoints: {
    form: path.join(here, 'src/form.js'),
    followup: path.join(here, 'src/followup.js'),
    desk: path.join(here, 'src/desk.js'),
    'pow-worker': path.join(here, 'src/pow-worker.js'),
    'desk-worker': path.join(here, 'src/desk/decrypt-worker.js'),
  },
  outdir: path.join(dist, 'assets'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome111', 'firefox113', 'safari16.4'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'info',
});

cpSync(path.join(here, 'static/index.html'), path.join(dist, 'index.html'));
cpSync(path.join(here, 'static/follow-up.html'), path.join(dist, 'follow-up.html'));
cpSync(path.join(here, 'static/desk.html'), path.join(dist, 'desk.html'));
cpSync(path.join(here, 'static/style.css'), path.join(dist, 'assets/style.css'));
