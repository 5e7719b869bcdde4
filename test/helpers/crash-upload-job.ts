/**
 * One file uploaded through @tranche/client while the server is being killed under it. The job remembers what
 * the server acknowledged (parts, the commit) and checks, after every restart, that none of it was lost: each
 * acknowledged part is listed with its offset, size and sha1; every listed part holds the file's bytes; the file
 * exists wholly (right size and sha1, right bytes) or not at all.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { uploadFile, type UploadEvent } from '@tranche/client';
import type { UploadPart } from '@tranche/protocol';
import { Api, assertStatus, sha1Hex } from './http.js';

/** Retries fast: the server is back within about a second, and the harness aborts the client when it dies. */
const RETRY = { retryDelays: [50, 100, 200, 400, 800, 1600], jitter: 0.2 };

export interface RunOptions {
  origin: string;
  token: string;
  stateDir: string;
  signal?: AbortSignal;
}

export class CrashUploadJob {
  readonly sha1: string;
  /** Parts the server acknowledged to the client, by offset. */
  readonly acked = new Map<number, UploadPart>();
  /** The session the client last worked with (from its events). */
  sessionId: string | undefined;
  /** The file the client saw committed. */
  committedFileId: string | undefined;
  /** The file found on the server by a check, before the client finished. */
  fileIdOnServer: string | undefined;
  /** The file the client finished with. */
  finalFileId: string | undefined;
  runs = 0;
  resumedRuns = 0;
  /** Events that must never happen here: a session lost after a restart, or a 5xx from a live server. */
  readonly anomalies: UploadEvent[] = [];

  private constructor(
    readonly name: string,
    readonly file: string,
    readonly data: Buffer,
  ) {
    this.sha1 = sha1Hex(data);
  }

  static async create(dir: string, name: string, data: Buffer): Promise<CrashUploadJob> {
    const file = path.join(dir, name);
    await writeFile(file, data);
    return new CrashUploadJob(name, file, data);
  }

  get done(): boolean {
    return this.finalFileId !== undefined;
  }

  /** Uploads (or resumes) until it finishes or `signal` aborts it; errors other than the abort are rethrown. */
  async run(options: RunOptions): Promise<void> {
    this.runs++;
    try {
      const file = await uploadFile(this.file, {
        server: options.origin,
        token: options.token,
        stateDir: options.stateDir,
        minChunkedSize: 1,
        parallel: 3,
        retry: RETRY,
        timeoutMs: 15_000,
        signal: options.signal,
        onEvent: (event) => this.observe(event),
      });
      this.finalFileId = file.id;
      assert.equal(file.sha1, this.sha1, `${this.name}: the committed file's sha1`);
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    }
  }

  private observe(event: UploadEvent): void {
    switch (event.type) {
      case 'started':
        // A new session while parts were acknowledged in an earlier one means the earlier one was lost.
        if (this.acked.size > 0) this.anomalies.push(event);
        if (event.sessionId) this.sessionId = event.sessionId;
        break;
      case 'resumed':
        this.sessionId = event.sessionId;
        this.resumedRuns++;
        break;
      case 'part':
        this.acked.set(event.offset, { part_id: event.partId, offset: event.offset, size: event.size, sha1: event.sha1 });
        break;
      case 'committed':
        this.committedFileId = event.fileId;
        break;
      case 'restarted':
        this.anomalies.push(event);
        break;
      case 'retry':
        if (event.status !== undefined && event.status >= 500) this.anomalies.push(event);
        break;
    }
  }

  /** The checks after a restart. Throws an AssertionError naming the lost or damaged state. */
  async verify(api: Api): Promise<void> {
    assert.deepEqual(this.anomalies, [], `${this.name}: no session may be lost and no 5xx answered`);
    if (this.sessionId !== undefined) await this.verifyParts(api, this.sessionId);
    await this.verifyFile(api);
  }

  private async verifyParts(api: Api, sessionId: string): Promise<void> {
    const status = await api.get(`/api/2.0/files/upload_sessions/${sessionId}`);
    assertStatus(status, 200);
    const partSize: number = status.body.part_size;
    const listed = await api.get(`/api/2.0/files/upload_sessions/${sessionId}/parts?limit=1000`);
    assertStatus(listed, 200);
    const entries: UploadPart[] = listed.body.entries;
    assert.equal(status.body.num_parts_processed, entries.length, `${this.name}: num_parts_processed counts the listed parts`);
    const byOffset = new Map(entries.map((p) => [p.offset, p]));
    assert.equal(byOffset.size, entries.length, `${this.name}: one part per offset`);
    for (const part of this.acked.values()) {
      assert.deepEqual(byOffset.get(part.offset), part, `${this.name}: acknowledged part at ${part.offset} is listed as it was acknowledged`);
    }
    for (const part of entries) {
      const size = Math.min(partSize, this.data.length - part.offset);
      assert.equal(part.offset % partSize, 0, `${this.name}: part offsets are aligned`);
      assert.equal(part.size, size, `${this.name}: part at ${part.offset} has the whole size`);
      assert.equal(part.sha1, sha1Hex(this.data.subarray(part.offset, part.offset + size)), `${this.name}: part at ${part.offset} holds the file's bytes`);
    }
  }

  /** The file exists wholly, with the right bytes, or not at all; an acknowledged commit is never lost. */
  private async verifyFile(api: Api): Promise<void> {
    const found = await findByName(api, this.name);
    assert.ok(found.length <= 1, `${this.name}: at most one file of that name, found ${found.length}`);
    if (this.committedFileId !== undefined) assert.equal(found[0]?.id, this.committedFileId, `${this.name}: the acknowledged commit survived`);
    if (this.fileIdOnServer !== undefined) assert.equal(found[0]?.id, this.fileIdOnServer, `${this.name}: a committed file stays`);
    if (this.finalFileId !== undefined) assert.equal(found[0]?.id, this.finalFileId, `${this.name}: the finished file is there`);
    if (found.length === 0) return;
    const id: string = found[0].id;
    this.fileIdOnServer = id;
    const file = await api.get(`/2.0/files/${id}`);
    assertStatus(file, 200);
    assert.equal(file.body.size, this.data.length, `${this.name}: committed size`);
    assert.equal(file.body.sha1, this.sha1, `${this.name}: committed sha1`);
    const content = await api.download(id);
    assertStatus(content, 200);
    assert.ok(content.raw.equals(this.data), `${this.name}: downloaded bytes equal the uploaded file`);
  }

  /** After the client finished: the file it got is the one (and only one) on the server. */
  async verifyFinished(api: Api): Promise<void> {
    assert.ok(this.finalFileId, `${this.name}: finished`);
    if (this.fileIdOnServer !== undefined) assert.equal(this.finalFileId, this.fileIdOnServer, `${this.name}: the resumed commit returned the file committed before the crash`);
    await this.verify(api);
  }
}

async function findByName(api: Api, name: string): Promise<any[]> {
  const found: any[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api.get(`/2.0/folders/0/items?limit=1000&offset=${offset}`);
    assertStatus(page, 200);
    found.push(...page.body.entries.filter((item: any) => item.name === name));
    if (page.body.entries.length < 1000) return found;
  }
}
