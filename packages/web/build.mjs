// Builds the browser uploader into dist/: the SHA-1 worker is bundled first and inlined (started from a blob: URL,
// so the element also works embedded in a page of another origin), then the element with its CSS inlined.
import { copyFile, mkdir } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const here = new URL('.', import.meta.url);
const target = ['chrome111', 'firefox115', 'safari16.4', 'edge111'];
const worker = await esbuild.build({
  entryPoints: [new URL('src/hash-worker.ts', here).pathname],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target,
  minify: true,
  write: false,
});
await mkdir(new URL('dist/', here), { recursive: true });
await esbuild.build({
  entryPoints: [new URL('src/tranche-uploader.tsx', here).pathname],
  outfile: new URL('dist/tranche-uploader.js', here).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target,
  minify: process.env.TRANCHE_WEB_DEBUG ? false : true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'text' },
  define: { __HASH_WORKER_SOURCE__: JSON.stringify(worker.outputFiles[0].text) },
  logLevel: 'warning',
});
await copyFile(new URL('src/index.html', here), new URL('dist/index.html', here));
