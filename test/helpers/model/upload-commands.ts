/**
 * fast-check commands over the real server, one per kind of request a client (or an intruder) can make on upload
 * sessions, each checking the answer against the model (upload-model.ts). A user other than the owner must get
 * exactly what a session that does not exist gets.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytesSeeded, rawRequest, sha1Hex, shaDigest, sleep, uniqueName, type ApiResponse } from '../http.js';
import {
  answered,
  checkPartBody,
  complete,
  expectFor,
  listedParts,
  partBytes,
  partRange,
  pickSession,
  type Expectation,
  type Model,
  type Real,
  type SessionState,
  type UserName,
} from './upload-model.js';

/** The server under test runs with these (see the test's server flags). */
export const MODEL_PART_SIZE = 1000;
export const MODEL_TTL_S = 2;
const MAX_SESSIONS = 6;

type Command = fc.AsyncCommand<Model, Real, false>;

const foreign = (real: Real): Expectation => answered(real.unknownSession.status, real.unknownSession.code);

/** The answer for a session in a state where the request cannot proceed, or undefined when it can. */
function refused(state: SessionState, committedAnswer?: Expectation): Expectation | undefined {
  if (state === 'aborted') return answered(404, 'not_found');
  if (state === 'expired') return answered(410, 'session_expired');
  if (state === 'committed') return committedAnswer;
  return undefined;
}

export class CreateSession implements Command {
  constructor(
    readonly owner: UserName,
    readonly size: number,
    readonly seed: number,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length < MAX_SESSIONS;
  }

  async run(model: Model, real: Real): Promise<void> {
    const data = randomBytesSeeded(this.size, this.seed);
    const name = uniqueName('model');
    const sentAt = Date.now();
    const res = await real.api[this.owner].createSession({ folder_id: '0', file_size: this.size, file_name: name });
    const answeredAt = Date.now();
    assert.equal(res.status, 201, `${res.request} → ${res.status} ${res.text.slice(0, 300)}`);
    const body = res.body;
    const totalParts = Math.ceil(this.size / MODEL_PART_SIZE);
    assert.equal(body.part_size, MODEL_PART_SIZE);
    assert.equal(body.total_parts, totalParts);
    assert.equal(body.num_parts_processed, 0);
    // session_expires_at has whole seconds: the instant lies within the second it names.
    const named = Date.parse(body.session_expires_at);
    model.sessions.push({
      id: body.id,
      owner: this.owner,
      name,
      data,
      sha1: sha1Hex(data),
      partSize: MODEL_PART_SIZE,
      totalParts,
      endpoints: body.session_endpoints,
      parts: new Map(),
      state: 'active',
      expiresNoSoonerThan: Math.max(sentAt + MODEL_TTL_S * 1000, named),
      expiresNoLaterThan: Math.min(answeredAt + MODEL_TTL_S * 1000, named + 999),
    });
  }

  toString(): string {
    return `create(${this.owner}, ${this.size} bytes)`;
  }
}

export class CreateInvalidSession implements Command {
  constructor(
    readonly owner: UserName,
    readonly size: number,
  ) {}

  check(): boolean {
    return true;
  }

  async run(_model: Model, real: Real): Promise<void> {
    const res = await real.api[this.owner].createSession({ folder_id: '0', file_size: this.size, file_name: uniqueName('model-invalid') });
    const code = this.size < 0 || !Number.isInteger(this.size) ? 'invalid_file_size' : 'file_size_too_small';
    assert.equal(res.status, 400, `${res.request} → ${res.status} ${res.text.slice(0, 300)}`);
    assert.equal(res.body.code, code);
  }

  toString(): string {
    return `createInvalid(${this.owner}, ${this.size})`;
  }
}

export type PutVariant = 'valid' | 'corruptDigest' | 'overlap' | 'shortLength' | 'shortChunked' | 'dropped' | 'misaligned' | 'wrongTotal' | 'wrongSize';

export class PutPart implements Command {
  constructor(
    readonly actor: UserName,
    readonly pick: number,
    readonly partPick: number,
    readonly variant: PutVariant,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length > 0;
  }

  async run(model: Model, real: Real): Promise<void> {
    const session = pickSession(model, this.pick);
    const index = this.partPick % session.totalParts;
    const { offset, size } = partRange(session, index);
    const bytes = partBytes(session, index);
    const stored = session.parts.get(offset);
    // Different bytes where nothing is stored yet would just be a valid part with other content.
    const variant = this.variant === 'overlap' && !stored ? 'valid' : this.variant === 'wrongSize' && size === 1 ? 'misaligned' : this.variant;
    const api = real.api[this.actor];
    const auth = { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/octet-stream' };
    const range = (first: number, last: number, total = session.data.length): string => `bytes ${first}-${last}/${total}`;

    if (variant === 'dropped') {
      // Half the body, then the client goes away: no answer; nothing may be recorded.
      await rawRequest(session.endpoints.upload_part, 'PUT', { ...auth, 'Content-Range': range(offset, offset + size - 1), 'Content-Length': size, Digest: shaDigest(bytes) }, (req) => {
        req.write(bytes.subarray(0, Math.floor(size / 2)));
        setTimeout(() => req.destroy(), 20);
      }).then(
        (res) => assert.ok(res.status < 500, `dropped PUT answered ${res.status}`),
        () => undefined,
      );
      return;
    }

    const other = Buffer.from(bytes);
    other[0] = other[0]! ^ 0xff;
    const send = (): Promise<ApiResponse> => {
      switch (variant) {
        case 'valid':
          return api.put(session.endpoints.upload_part, { body: bytes, headers: { 'Content-Range': range(offset, offset + size - 1), Digest: shaDigest(bytes) } });
        case 'corruptDigest':
          return api.put(session.endpoints.upload_part, { body: bytes, headers: { 'Content-Range': range(offset, offset + size - 1), Digest: shaDigest(other) } });
        case 'overlap':
          return api.put(session.endpoints.upload_part, { body: other, headers: { 'Content-Range': range(offset, offset + size - 1), Digest: shaDigest(other) } });
        case 'shortLength':
          return api.put(session.endpoints.upload_part, { body: bytes.subarray(0, size - 1), headers: { 'Content-Range': range(offset, offset + size - 1), Digest: shaDigest(bytes) } });
        case 'shortChunked':
          return chunkedPut(session.endpoints.upload_part, { ...auth, 'Content-Range': range(offset, offset + size - 1), Digest: shaDigest(bytes) }, bytes.subarray(0, size - 1));
        case 'misaligned':
          return api.put(session.endpoints.upload_part, { body: bytes, headers: { 'Content-Range': range(offset + 1, offset + size), Digest: shaDigest(bytes) } });
        case 'wrongTotal':
          return api.put(session.endpoints.upload_part, { body: bytes, headers: { 'Content-Range': range(offset, offset + size - 1, session.data.length + 1), Digest: shaDigest(bytes) } });
        case 'wrongSize':
          return api.put(session.endpoints.upload_part, { body: bytes.subarray(0, size - 1), headers: { 'Content-Range': range(offset, offset + size - 2), Digest: shaDigest(bytes.subarray(0, size - 1)) } });
      }
    };

    await expectFor(session, send, (state) => {
      if (this.actor !== session.owner) return foreign(real);
      const stop = refused(state, answered(400, 'bad_request'));
      if (stop) return stop;
      if (variant === 'shortLength') return answered(400, 'request_size_mismatch');
      if (variant === 'misaligned' || variant === 'wrongTotal' || variant === 'wrongSize') return answered(416, 'invalid_range');
      const digestSent = variant === 'corruptDigest' || variant === 'overlap' ? sha1Hex(other) : sha1Hex(bytes);
      if (stored) {
        if (stored.sha1 === digestSent) return answered(200, undefined, { check: (res) => assert.deepEqual(res.body.part, stored, 'an identical part is answered as stored') });
        return answered(416, 'range_overlaps_existing_part', {
          check: (res) => assert.deepEqual(res.body.context_info?.conflicting_part, stored, 'the conflicting part is the stored one'),
        });
      }
      if (variant === 'corruptDigest') return answered(400, 'digest_mismatch');
      if (variant === 'shortChunked') return answered(400, 'request_size_mismatch');
      let part: ReturnType<typeof checkPartBody> | undefined;
      return answered(200, undefined, {
        check: (res) => (part = checkPartBody(session, index, res)),
        apply: () => session.parts.set(offset, part!),
      });
    });
  }

  toString(): string {
    return `put(${this.actor}, session ${this.pick}, part ${this.partPick}, ${this.variant})`;
  }
}

export class ListParts implements Command {
  constructor(
    readonly actor: UserName,
    readonly pick: number,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length > 0;
  }

  async run(model: Model, real: Real): Promise<void> {
    const session = pickSession(model, this.pick);
    await expectFor(
      session,
      () => real.api[this.actor].get(session.endpoints.list_parts),
      (state) =>
        this.actor !== session.owner
          ? foreign(real)
          : (refused(state) ??
            answered(200, undefined, {
              check: (res) => {
                assert.deepEqual(res.body.entries, listedParts(session), 'the parts stored, in offset order');
                assert.equal(res.body.total_count, session.parts.size);
              },
            })),
    );
  }

  toString(): string {
    return `list(${this.actor}, session ${this.pick})`;
  }
}

export class Status implements Command {
  constructor(
    readonly actor: UserName,
    readonly pick: number,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length > 0;
  }

  async run(model: Model, real: Real): Promise<void> {
    const session = pickSession(model, this.pick);
    await expectFor(
      session,
      () => real.api[this.actor].get(session.endpoints.status),
      (state) =>
        this.actor !== session.owner
          ? foreign(real)
          : (refused(state) ??
            answered(200, undefined, {
              check: (res) => {
                assert.equal(res.body.id, session.id);
                assert.equal(res.body.total_parts, session.totalParts);
                assert.equal(res.body.num_parts_processed, session.parts.size);
              },
            })),
    );
  }

  toString(): string {
    return `status(${this.actor}, session ${this.pick})`;
  }
}

export type CommitVariant = 'right' | 'wrongDigest' | 'omitPart' | 'badDigestHeader';

export class Commit implements Command {
  constructor(
    readonly actor: UserName,
    readonly pick: number,
    readonly variant: CommitVariant,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length > 0;
  }

  async run(model: Model, real: Real): Promise<void> {
    const session = pickSession(model, this.pick);
    const parts = listedParts(session);
    if (this.variant === 'omitPart') parts.shift();
    const digest =
      this.variant === 'badDigestHeader' ? 'sha=***' : this.variant === 'wrongDigest' ? shaDigest(Buffer.concat([session.data, Buffer.from([1])])) : shaDigest(session.data);
    const send = async (): Promise<ApiResponse> => {
      // 202 means the server is still hashing: wait as told, then ask again.
      for (let attempt = 0; ; attempt++) {
        const res = await real.api[this.actor].commit(session.endpoints.commit, parts, { digest });
        if (res.status !== 202 || attempt === 10) return res;
        await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
      }
    };
    await expectFor(session, send, (state) => {
      if (this.actor !== session.owner) return foreign(real);
      const replay = answered(201, undefined, { check: (res) => assert.equal(res.body.entries[0].id, session.fileId, 'a replayed commit answers the same file') });
      const stop = refused(state, replay);
      if (stop) return stop;
      if (this.variant === 'badDigestHeader') return answered(400, 'bad_request');
      if (!complete(session) || this.variant === 'omitPart') return answered(400, 'parts_mismatch');
      if (this.variant === 'wrongDigest') return answered(400, 'digest_mismatch');
      let fileId: string | undefined;
      return answered(201, undefined, {
        check: (res) => {
          const file = res.body.entries[0];
          assert.equal(file.sha1, session.sha1);
          assert.equal(file.size, session.data.length);
          assert.equal(file.name, session.name);
          fileId = file.id;
        },
        apply: () => {
          session.state = 'committed';
          session.fileId = fileId;
        },
      });
    });
  }

  toString(): string {
    return `commit(${this.actor}, session ${this.pick}, ${this.variant})`;
  }
}

export class Abort implements Command {
  constructor(
    readonly actor: UserName,
    readonly pick: number,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length > 0;
  }

  async run(model: Model, real: Real): Promise<void> {
    const session = pickSession(model, this.pick);
    await expectFor(
      session,
      () => real.api[this.actor].delete(session.endpoints.abort),
      (state) =>
        this.actor !== session.owner
          ? foreign(real)
          : answered(204, undefined, {
              apply: () => {
                if (state === 'active' || state === 'expired') session.state = 'aborted';
              },
            }),
    );
  }

  toString(): string {
    return `abort(${this.actor}, session ${this.pick})`;
  }
}

/** A client finishing its upload: every missing part, valid, in order (so that commits have something to commit). */
export class UploadRest implements Command {
  constructor(readonly pick: number) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.length > 0;
  }

  async run(model: Model, real: Real): Promise<void> {
    const session = pickSession(model, this.pick);
    for (let index = 0; index < session.totalParts; index++) {
      if (!session.parts.has(index * session.partSize)) await new PutPart(session.owner, this.pick, index, 'valid').run(model, real);
    }
  }

  toString(): string {
    return `uploadRest(session ${this.pick})`;
  }
}

/**
 * Two PUTs of one part at the same time: identical twins both get the stored part; rivals with different bytes
 * get one 200 and one 416 naming the winner, whose bytes the session then holds.
 */
export class RacePut implements Command {
  constructor(
    readonly pick: number,
    readonly partPick: number,
    readonly variant: 'twins' | 'rivals',
  ) {}

  /** Only for a part not stored yet: a race over a stored one is an overlap, which PutPart covers. */
  check(model: Readonly<Model>): boolean {
    const active = model.sessions.filter((s) => s.state === 'active');
    if (active.length === 0) return false;
    const session = active[this.pick % active.length]!;
    return !session.parts.has(partRange(session, this.partPick % session.totalParts).offset);
  }

  async run(model: Model, real: Real): Promise<void> {
    const active = model.sessions.filter((s) => s.state === 'active');
    const session = active[this.pick % active.length]!;
    const index = this.partPick % session.totalParts;
    const { offset, size } = partRange(session, index);
    const mine = Buffer.from(partBytes(session, index));
    const rival = Buffer.from(mine);
    if (this.variant === 'rivals') rival[rival.length - 1] = rival[rival.length - 1]! ^ 0x55;
    const api = real.api[session.owner];
    const put = (bytes: Buffer) =>
      api.put(session.endpoints.upload_part, { body: bytes, headers: { 'Content-Range': `bytes ${offset}-${offset + size - 1}/${session.data.length}`, Digest: shaDigest(bytes) } });
    const sentAt = Date.now();
    const answers = await Promise.all([put(mine), put(rival)]);
    if (Date.now() > session.expiresNoSoonerThan - 25 || sentAt > session.expiresNoSoonerThan - 25) {
      // Too close to the expiry to tell what the server saw: learn the outcome from the listing.
      for (const res of answers) assert.ok(res.status < 500, `${res.request} → ${res.status}`);
      return this.learn(session, real);
    }
    const won = answers.filter((res) => res.status === 200);
    if (this.variant === 'twins') {
      assert.equal(won.length, 2, `identical twins both succeed: ${answers.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join(' | ')}`);
      assert.deepEqual(won[0]!.body.part, won[1]!.body.part, 'and get the same part');
    } else {
      assert.equal(won.length, 1, `exactly one rival wins: ${answers.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join(' | ')}`);
      const lost = answers.find((res) => res.status !== 200)!;
      assert.equal(lost.status, 416, lost.text.slice(0, 300));
      assert.equal(lost.body.code, 'range_overlaps_existing_part');
      assert.deepEqual(lost.body.context_info?.conflicting_part, won[0]!.body.part, 'the loser is told the winner');
    }
    const part = won[0]!.body.part;
    const bytes = part.sha1 === sha1Hex(mine) ? mine : rival;
    assert.equal(part.sha1, sha1Hex(bytes), 'the stored part is one of the two bodies');
    this.hold(session, offset, bytes, part);
  }

  /** The session now holds `bytes` at `offset`: the model's file follows. */
  private hold(session: Model['sessions'][number], offset: number, bytes: Buffer, part: { part_id: string; offset: number; size: number; sha1: string }): void {
    bytes.copy(session.data, offset);
    session.sha1 = sha1Hex(session.data);
    session.parts.set(offset, part);
  }

  private async learn(session: Model['sessions'][number], real: Real): Promise<void> {
    const listed = await real.api[session.owner].get(session.endpoints.list_parts);
    if (listed.status === 410) {
      session.state = 'expired';
      return;
    }
    assert.equal(listed.status, 200, listed.text.slice(0, 300));
    for (const part of listed.body.entries) {
      if (session.parts.has(part.offset)) continue;
      const index = part.offset / session.partSize;
      const mine = partBytes(session, index);
      const rival = Buffer.from(mine);
      if (this.variant === 'rivals') rival[rival.length - 1] = rival[rival.length - 1]! ^ 0x55;
      const bytes = part.sha1 === sha1Hex(mine) ? Buffer.from(mine) : rival;
      assert.equal(part.sha1, sha1Hex(bytes));
      this.hold(session, part.offset, bytes, part);
    }
  }

  toString(): string {
    return `racePut(session ${this.pick}, part ${this.partPick}, ${this.variant})`;
  }
}

/** Two commits, or a commit and an abort, at the same time on a complete session: one outcome, wholly. */
export class RaceCommit implements Command {
  constructor(
    readonly pick: number,
    readonly variant: 'twoCommits' | 'commitAndAbort',
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.some((s) => s.state === 'active' && complete(s));
  }

  async run(model: Model, real: Real): Promise<void> {
    const ready = model.sessions.filter((s) => s.state === 'active' && complete(s));
    const session = ready[this.pick % ready.length]!;
    const api = real.api[session.owner];
    const commit = () => api.commit(session.endpoints.commit, listedParts(session), session.data);
    const sentAt = Date.now();
    const [first, second] = await Promise.all([commit(), this.variant === 'twoCommits' ? commit() : api.delete(session.endpoints.abort)]);
    for (const res of [first!, second!]) assert.ok(res.status < 500, `${res.request} → ${res.status}: ${res.text.slice(0, 300)}`);
    if (first!.status === 410 || second!.status === 410 || Date.now() > session.expiresNoSoonerThan - 25 || sentAt > session.expiresNoSoonerThan - 25) {
      // The session expired around the race: whatever happened, the model learns it from the server.
      const status = await api.get(session.endpoints.status);
      if (status.status === 200 && first!.status === 201) Object.assign(session, { state: 'committed', fileId: first!.body.entries[0].id });
      else if (status.status === 200) assert.ok(first!.status !== 201);
      else session.state = status.status === 404 ? 'aborted' : 'expired';
      return;
    }
    if (this.variant === 'twoCommits') {
      assert.equal(first!.status, 201, first!.text.slice(0, 300));
      assert.equal(second!.status, 201, second!.text.slice(0, 300));
      assert.equal(first!.body.entries[0].id, second!.body.entries[0].id, 'two racing commits make one file');
      Object.assign(session, { state: 'committed', fileId: first!.body.entries[0].id });
      return;
    }
    assert.equal(second!.status, 204, second!.text.slice(0, 300));
    if (first!.status === 201) {
      Object.assign(session, { state: 'committed', fileId: first!.body.entries[0].id });
    } else {
      assert.equal(first!.status, 404, `a commit that lost to the abort: ${first!.status} ${first!.text.slice(0, 300)}`);
      session.state = 'aborted';
    }
  }

  toString(): string {
    return `raceCommit(session ${this.pick}, ${this.variant})`;
  }
}

/** Downloads a committed file: its owner gets the bytes, anyone else 404. */
export class Download implements Command {
  constructor(
    readonly actor: UserName,
    readonly pick: number,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.sessions.some((s) => s.fileId !== undefined);
  }

  async run(model: Model, real: Real): Promise<void> {
    const committed = model.sessions.filter((s) => s.fileId !== undefined);
    const session = committed[this.pick % committed.length]!;
    const res = await real.api[this.actor].download(session.fileId!);
    if (this.actor !== session.owner) {
      assert.equal(res.status, 404, `another user's file: ${res.status} ${res.text.slice(0, 200)}`);
      return;
    }
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.ok(res.raw.equals(session.data), 'the committed file holds the uploaded bytes');
  }

  toString(): string {
    return `download(${this.actor}, committed ${this.pick})`;
  }
}

/** Lets time pass, so sessions expire (and the janitor releases them). At most once per run: it costs real time. */
export class Wait implements Command {
  constructor(readonly ms: number) {}

  check(model: Readonly<Model>): boolean {
    return model.waits === 0 && model.sessions.some((s) => s.state === 'active');
  }

  async run(model: Model): Promise<void> {
    model.waits++;
    await sleep(this.ms);
  }

  toString(): string {
    return `wait(${this.ms} ms)`;
  }
}

/** A PUT with a chunked body (no Content-Length), answered as an ApiResponse. */
async function chunkedPut(url: string, headers: Record<string, string>, body: Buffer): Promise<ApiResponse> {
  const res = await rawRequest(url, 'PUT', headers, (req) => {
    req.write(body.subarray(0, Math.ceil(body.length / 2)));
    req.end(body.subarray(Math.ceil(body.length / 2)));
  });
  const text = res.body.toString('utf8');
  if (res.status >= 400) {
    assert.equal(res.json?.type, 'error', `chunked PUT → ${res.status}: a Box error envelope: ${text.slice(0, 300)}`);
    assert.equal(res.json?.status, res.status);
  }
  return { status: res.status, headers: new Headers(res.headers as Record<string, string>), body: res.json, raw: res.body, text, request: `PUT ${url} (chunked)` };
}

const user = fc.constantFrom<UserName>('A', 'A', 'A', 'B');
const pick = fc.nat(50);

/** How many commands of each kind ran (shrinking included), for the test's report. */
export const commandsRun = new Map<string, number>();

/** Runs a command and counts it under its kind (the class, and the variant when it has one). */
class Counted implements Command {
  constructor(private readonly inner: Command & { variant?: string }) {}

  check(model: Readonly<Model>): boolean {
    return this.inner.check(model);
  }

  async run(model: Model, real: Real): Promise<void> {
    const kind = this.inner.variant ? `${this.inner.constructor.name}:${this.inner.variant}` : this.inner.constructor.name;
    commandsRun.set(kind, (commandsRun.get(kind) ?? 0) + 1);
    await this.inner.run(model, real);
  }

  toString(): string {
    return this.inner.toString();
  }
}

/** Every command, weighted towards the owner and towards valid parts. */
export function uploadCommands(maxCommands = 40): fc.Arbitrary<Iterable<Command>> {
  const counted = (command: Command): Command => new Counted(command);
  return fc.commands(
    [
      fc.oneof(
        { weight: 4, arbitrary: fc.tuple(fc.constantFrom<UserName>('A', 'B'), fc.integer({ min: 1, max: 4 * MODEL_PART_SIZE + 500 }), fc.nat()).map(([o, s, seed]): Command => new CreateSession(o, s, seed)) },
        { weight: 1, arbitrary: fc.tuple(user, fc.constantFrom(0, -1, 1.5)).map(([o, s]): Command => new CreateInvalidSession(o, s)) },
      ),
      fc.tuple(user, pick, pick, fc.constantFrom<PutVariant>('valid', 'valid', 'valid', 'valid')).map(([a, p, i, v]) => new PutPart(a, p, i, v)),
      fc
        .tuple(user, pick, pick, fc.constantFrom<PutVariant>('corruptDigest', 'overlap', 'shortLength', 'shortChunked', 'dropped', 'misaligned', 'wrongTotal', 'wrongSize'))
        .map(([a, p, i, v]) => new PutPart(a, p, i, v)),
      pick.map((p) => new UploadRest(p)),
      fc.tuple(pick, pick, fc.constantFrom<'twins' | 'rivals'>('twins', 'rivals')).map(([p, i, v]) => new RacePut(p, i, v)),
      fc.tuple(pick, fc.constantFrom<'twoCommits' | 'commitAndAbort'>('twoCommits', 'commitAndAbort')).map(([p, v]) => new RaceCommit(p, v)),
      fc.tuple(user, pick).map(([a, p]) => new ListParts(a, p)),
      fc.tuple(user, pick).map(([a, p]) => new Status(a, p)),
      fc.tuple(user, pick, fc.constantFrom<CommitVariant>('right', 'right', 'wrongDigest', 'omitPart', 'badDigestHeader')).map(([a, p, v]) => new Commit(a, p, v)),
      fc.tuple(user, pick).map(([a, p]) => new Abort(a, p)),
      fc.tuple(user, pick).map(([a, p]) => new Download(a, p)),
      fc.constantFrom(300, MODEL_TTL_S * 1000 + 300).map((ms) => new Wait(ms)),
    ].map((arbitrary) => arbitrary.map(counted)),
    { maxCommands, size: 'max' },
  );
}
