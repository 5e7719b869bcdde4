/**
 * The fastest any page can upload in this browser here: a bare page PUTs the file's parts as `File.slice()`
 * bodies, 4 in flight like the uploader, with their SHA-1s computed beforehand in Node, to the same Tranche server;
 * no hashing, no reading of the file in the page, no UI. Session creation and commit are made from Node (cheap
 * requests). What is left is the browser's own cost of sending a file's bytes, which no page code can avoid.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BoxApi } from './box-api.mjs';

const PAGE = `<!doctype html><html lang="en"><title>ceiling</title><input type="file" id="file" aria-label="file">
<script>
window.putParts = async ({ url, token, size, partSize, digests, parallel }) => {
  const file = document.getElementById('file').files[0];
  const parts = [];
  const sending = new Set();
  for (let i = 0; i < digests.length; i++) {
    const start = i * partSize, end = Math.min(size, start + partSize);
    const put = fetch(url, { method: 'PUT', body: file.slice(start, end), headers: { authorization: 'Bearer ' + token, 'content-type': 'application/octet-stream', 'content-range': 'bytes ' + start + '-' + (end - 1) + '/' + size, digest: 'sha=' + digests[i] } })
      .then(async (answer) => { if (answer.status !== 200) throw new Error('part ' + i + ': ' + answer.status + ' ' + await answer.text()); parts.push((await answer.json()).part); })
      .finally(() => sending.delete(put));
    sending.add(put);
    if (sending.size >= parallel) await Promise.race(sending);
  }
  await Promise.all(sending);
  return parts.sort((a, b) => a.offset - b.offset);
};
</script></html>`;

/** Serves the bare page on its own origin; the Tranche server must allow it (`--cors-origin`). */
export async function startCeilingPage() {
  const server = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Each part's SHA-1 (base64) and the whole file's, read once. */
export async function partDigests(file, partSize) {
  const digests = [];
  const whole = createHash('sha1');
  let part = createHash('sha1');
  let inPart = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(chunk.length - at, partSize - inPart);
      part.update(chunk.subarray(at, at + take));
      whole.update(chunk.subarray(at, at + take));
      at += take;
      inPart += take;
      if (inPart === partSize) {
        digests.push(part.digest('base64'));
        part = createHash('sha1');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) digests.push(part.digest('base64'));
  return { digests, whole: whole.digest('base64') };
}

/** The upload through the bare page already at `ceiling.origin` in `page`; returns the committed file and its wall time. */
export async function ceilingUpload(page, server, file, size, { parallel = 4 } = {}) {
  const api = new BoxApi(server.origin, server.token);
  await page.locator('#file').setInputFiles(file);
  const session = await api.createSession({ fileName: `ceiling-${path.basename(file)}`, fileSize: size });
  // Hashing is what this run leaves out: the digests are computed before the timed upload.
  const { digests, whole } = await partDigests(file, session.part_size);
  const started = performance.now();
  const parts = await page.evaluate((args) => window.putParts(args), {
    url: session.session_endpoints.upload_part,
    token: server.token,
    size,
    partSize: session.part_size,
    digests,
    parallel,
  });
  const { file: stored } = await api.commit(session, parts, whole);
  return { wallMs: performance.now() - started, stored };
}
