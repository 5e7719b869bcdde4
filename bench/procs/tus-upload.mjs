/**
 * The baseline client: tus-js-client uploading a file (argv[3]) to a tus endpoint (argv[2]) from an
 * fs.ReadStream, so it streams from disk. Settings: chunkSize left at its default (Infinity: one PATCH carries
 * the whole file, the fastest tus-js-client mode), parallelUploads 1 (@tus/file-store has no concatenation
 * extension, which parallel tus uploads need). Prints {"url", "bytes"} when done.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tus from 'tus-js-client';

const [endpoint, file] = process.argv.slice(2);
if (!endpoint || !file) throw new Error('usage: tus-upload.mjs ENDPOINT FILE');
const { size } = await stat(file);
const url = await new Promise((resolve, reject) => {
  const upload = new tus.Upload(createReadStream(file), {
    endpoint,
    uploadSize: size,
    metadata: { filename: path.basename(file) },
    retryDelays: [0, 1000, 3000],
    onError: reject,
    onSuccess: () => resolve(upload.url),
  });
  upload.start();
});
console.log(JSON.stringify({ url, bytes: size }));
