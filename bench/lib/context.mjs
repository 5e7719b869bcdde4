/**
 * What every scenario gets: settings, a scratch directory, shared test files (made once), figures measured by
 * earlier scenarios (for ratios), extra report sections, and a logger that writes progress to stderr.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sha1OfFile, writeRandomFile } from './random-file.mjs';
import { formatSize } from './units.mjs';

export function createContext(config, scratchDir) {
  const files = new Map();
  const sha1s = new Map();
  let dirs = 0;
  const ctx = {
    config,
    sizes: config.sizes,
    scratchDir,
    figures: new Map(),
    sections: [],
    notes: [],
    settings: new Map(),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),

    /** A fresh directory under the scratch dir. */
    async freshDir(label) {
      const dir = path.join(scratchDir, `${String(++dirs).padStart(2, '0')}-${label}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },

    /** A random file of exactly `size` bytes, made on first use. */
    async randomFile(size) {
      if (!files.has(size)) {
        const file = path.join(scratchDir, `random-${size}.bin`);
        files.set(size, (async () => {
          ctx.log(`writing a ${formatSize(size)} random file`);
          await writeRandomFile(file, size);
          return file;
        })());
      }
      return files.get(size);
    },

    /** SHA-1 (hex) of the first `size` bytes of `file`, computed once. */
    async sha1(file, size) {
      const key = `${file}:${size}`;
      if (!sha1s.has(key)) sha1s.set(key, sha1OfFile(file, size));
      return sha1s.get(key);
    },

    /** A loud note for the table and RESULTS.md (e.g. a size skipped for lack of disk space). */
    note(message) {
      ctx.log(`NOTE: ${message}`);
      ctx.notes.push(message);
    },

    addSection(title, markdown) {
      ctx.sections.push({ title, markdown });
    },

    /** A setting worth stating in the results (part size, parallelism, ...). */
    setting(name, value) {
      ctx.settings.set(name, value);
    },
  };
  return ctx;
}
