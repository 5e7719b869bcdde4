/**
 * The bench's own chunked uploader, used where a figure needs the API driven directly (commit latency timed
 * alone, setting up files to download). Reads the first `size` bytes of `file` part by part in offset order
 * (one reader, so the whole-file SHA-1 is computed as it reads), sends up to `parallel` parts at a time.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** `pauseBeforeCommitMs`: wait this long after the last part before committing (to time commit without the hash tail). */
export async function uploadFile(api, { file, size, name, parallel = 4, pauseBeforeCommitMs = 0 }) {
  const started = performance.now();
  const session = await api.createSession({ fileName: name, fileSize: size });
  const partSize = session.part_size;
  const whole = createHash('sha1');
  const parts = [];
  const inFlight = new Set();
  const handle = await open(file, 'r');
  try {
    for (let offset = 0; offset < size; offset += partSize) {
      while (inFlight.size >= parallel) await Promise.race(inFlight);
      const length = Math.min(partSize, size - offset);
      const body = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(body, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${file} is shorter than ${size} bytes`);
      whole.update(body);
      const sending = api.uploadPart(session, { offset, body }).then((part) => {
        parts.push(part);
        inFlight.delete(sending);
      });
      sending.catch(() => undefined); // awaited through inFlight; this only keeps a late failure from being unhandled
      inFlight.add(sending);
    }
    await Promise.all(inFlight);
  } finally {
    await handle.close();
  }
  const uploadMs = performance.now() - started;
  parts.sort((a, b) => a.offset - b.offset);
  const sha1 = whole.digest();
  if (pauseBeforeCommitMs) await new Promise((resolve) => setTimeout(resolve, pauseBeforeCommitMs));
  const commit = await api.commit(session, parts, sha1.toString('base64'));
  if (commit.file.sha1 !== sha1.toString('hex')) throw new Error(`committed sha1 ${commit.file.sha1} != ${sha1.toString('hex')}`);
  return { session, partSize, parts: parts.length, uploadMs, commitMs: commit.ms, commit202s: commit.accepted, file: commit.file };
}
