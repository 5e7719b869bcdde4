/**
 * A model of the file lifecycle for the model-based tests: per user, files (in the root or one folder) with their
 * versions, each version naming a blob; trash state; and the blobs with how many versions name them. Commands
 * (simple and chunked uploads, new versions, copies, moves, deletes, restores, purges, promotions, and another user's
 * attempts) run against the real server and check its answers; after each, the invariants are checked:
 * space_used equals the bytes the model's versions hold, every live file downloads its current bytes, and the
 * number of blobs on disk equals the number of blobs some version names (none freed while named, none kept after).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { randomBytesSeeded, sha1Hex, type Api, type ApiResponse } from '../http.js';

export type UserName = 'A' | 'B';
const NAMES = ['a.txt', 'b.txt', 'c.txt'];

interface Version {
  blob: number;
  size: number;
  sha1: string;
  data: Buffer;
}

interface ModelFile {
  id: string;
  owner: UserName;
  name: string;
  /** '0' or the owner's folder. */
  parent: string;
  versions: Version[];
  current: number;
  trashed: boolean;
}

export interface LifeModel {
  files: ModelFile[];
  /** Blob id → how many versions name it. */
  refs: Map<number, number>;
  nextBlob: number;
}

export interface LifeReal {
  api: Record<UserName, Api>;
  folders: Record<UserName, string>;
  dataDir: string;
  /** Blob files on disk before this run. */
  baseline: number;
}

export function newLifeModel(): LifeModel {
  return { files: [], refs: new Map(), nextBlob: 1 };
}

type Command = fc.AsyncCommand<LifeModel, LifeReal, false>;

function liveNameTaken(model: LifeModel, owner: UserName, parent: string, name: string, except?: ModelFile): boolean {
  return model.files.some((f) => f !== except && f.owner === owner && f.parent === parent && !f.trashed && f.name === name);
}

function ref(model: LifeModel, blob: number, delta: number): void {
  const n = (model.refs.get(blob) ?? 0) + delta;
  if (n === 0) model.refs.delete(blob);
  else model.refs.set(blob, n);
}

function expectStatus(res: ApiResponse, status: number, code?: string): void {
  assert.ok(res.status < 500, `${res.request} → ${res.status}: never a 5xx: ${res.text.slice(0, 300)}`);
  assert.equal(res.status, status, `${res.request}: expected ${status}${code ? ` ${code}` : ''}, got ${res.status} ${res.text.slice(0, 300)}`);
  if (code) assert.equal(res.body?.code, code, res.text.slice(0, 300));
}

function pick(model: LifeModel, owner: UserName, index: number): ModelFile | undefined {
  const mine = model.files.filter((f) => f.owner === owner);
  return mine.length ? mine[index % mine.length] : undefined;
}

async function blobsOnDisk(dataDir: string): Promise<number> {
  let count = 0;
  for (const folder of ['objects', 'uploads']) count += (await readdir(path.join(dataDir, 'blobs', folder)).catch(() => [])).length;
  return count;
}

/** The invariants, checked after every command. */
export async function checkInvariants(model: LifeModel, real: LifeReal): Promise<void> {
  for (const owner of ['A', 'B'] as const) {
    const expected = model.files.filter((f) => f.owner === owner).reduce((sum, f) => sum + f.versions.reduce((s, v) => s + v.size, 0), 0);
    const me = await real.api[owner].get('/2.0/users/me');
    assert.equal(me.body.space_used, expected, `space_used of ${owner} equals the bytes its versions hold`);
  }
  assert.equal(await blobsOnDisk(real.dataDir), real.baseline + model.refs.size, 'blobs on disk = blobs some version names');
  for (const file of model.files.filter((f) => !f.trashed)) {
    const res = await real.api[file.owner].download(file.id);
    assert.equal(res.status, 200, `${res.request} → ${res.status}`);
    assert.equal(sha1Hex(res.raw), file.versions[file.current]!.sha1, `file ${file.id} downloads its current bytes`);
  }
}

class Upload implements Command {
  constructor(readonly owner: UserName, readonly nameIndex: number, readonly inFolder: boolean, readonly size: number, readonly chunked: boolean) {}
  check(): boolean {
    return true;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const data = randomBytesSeeded(this.size, model.nextBlob + 100 * this.size);
    const name = NAMES[this.nameIndex]!;
    const parent = this.inFolder ? real.folders[this.owner] : '0';
    const api = real.api[this.owner];
    const taken = liveNameTaken(model, this.owner, parent, name);
    if (this.chunked) {
      if (taken) return expectStatus(await api.createSession({ folder_id: parent, file_size: data.length, file_name: name }), 409, 'item_name_in_use');
      const { file } = await api.chunkedUpload(name, data, parent);
      return this.record(model, file.id, name, parent, data);
    }
    const res = await api.simpleUpload({ name, parent: { id: parent } }, data);
    if (taken) return expectStatus(res, 409, 'item_name_in_use');
    expectStatus(res, 201);
    this.record(model, res.body.entries[0].id, name, parent, data);
  }
  private record(model: LifeModel, id: string, name: string, parent: string, data: Buffer): void {
    const blob = model.nextBlob++;
    ref(model, blob, 1);
    model.files.push({ id, owner: this.owner, name, parent, versions: [{ blob, size: data.length, sha1: sha1Hex(data), data }], current: 0, trashed: false });
  }
  toString(): string {
    return `Upload(${this.owner}, ${NAMES[this.nameIndex]}, ${this.inFolder ? 'folder' : 'root'}, ${this.size}${this.chunked ? ', chunked' : ''})`;
  }
}

class NewVersion implements Command {
  constructor(readonly owner: UserName, readonly index: number, readonly size: number) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const data = randomBytesSeeded(this.size, model.nextBlob + 7);
    const res = await real.api[this.owner].simpleUpload({ name: file.name }, data, { fileId: file.id });
    if (file.trashed) return expectStatus(res, 404, 'trashed');
    expectStatus(res, 200);
    const blob = model.nextBlob++;
    ref(model, blob, 1);
    file.versions.push({ blob, size: data.length, sha1: sha1Hex(data), data });
    file.current = file.versions.length - 1;
  }
  toString(): string {
    return `NewVersion(${this.owner}, #${this.index}, ${this.size})`;
  }
}

class Copy implements Command {
  constructor(readonly owner: UserName, readonly index: number, readonly nameIndex: number, readonly inFolder: boolean) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const name = NAMES[this.nameIndex]!;
    const parent = this.inFolder ? real.folders[this.owner] : '0';
    const res = await real.api[this.owner].post(`/2.0/files/${file.id}/copy`, { parent: { id: parent }, name });
    if (file.trashed) return expectStatus(res, 404, 'trashed');
    if (liveNameTaken(model, this.owner, parent, name)) return expectStatus(res, 409, 'item_name_in_use');
    expectStatus(res, 201);
    const version = file.versions[file.current]!;
    ref(model, version.blob, 1);
    model.files.push({ id: res.body.id, owner: this.owner, name, parent, versions: [{ ...version }], current: 0, trashed: false });
  }
  toString(): string {
    return `Copy(${this.owner}, #${this.index} → ${this.inFolder ? 'folder' : 'root'}/${NAMES[this.nameIndex]})`;
  }
}

class Move implements Command {
  constructor(readonly owner: UserName, readonly index: number, readonly nameIndex: number) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const parent = file.parent === '0' ? real.folders[this.owner] : '0';
    const name = NAMES[this.nameIndex]!;
    const res = await real.api[this.owner].put(`/2.0/files/${file.id}`, { json: { name, parent: { id: parent } } });
    if (file.trashed) return expectStatus(res, 404, 'trashed');
    if (liveNameTaken(model, this.owner, parent, name, file)) return expectStatus(res, 409, 'item_name_in_use');
    expectStatus(res, 200);
    file.parent = parent;
    file.name = name;
  }
  toString(): string {
    return `Move(${this.owner}, #${this.index} as ${NAMES[this.nameIndex]})`;
  }
}

class Delete implements Command {
  constructor(readonly owner: UserName, readonly index: number) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const other: UserName = this.owner === 'A' ? 'B' : 'A';
    expectStatus(await real.api[other].delete(`/2.0/files/${file.id}`), 404, 'not_found');
    const res = await real.api[this.owner].delete(`/2.0/files/${file.id}`);
    if (file.trashed) return expectStatus(res, 404, 'trashed');
    expectStatus(res, 204);
    file.trashed = true;
  }
  toString(): string {
    return `Delete(${this.owner}, #${this.index})`;
  }
}

class Restore implements Command {
  constructor(readonly owner: UserName, readonly index: number) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const res = await real.api[this.owner].post(`/2.0/files/${file.id}`, {});
    if (!file.trashed) return expectStatus(res, 404, 'not_found');
    if (liveNameTaken(model, this.owner, file.parent, file.name)) return expectStatus(res, 409, 'item_name_in_use');
    expectStatus(res, 201);
    file.trashed = false;
  }
  toString(): string {
    return `Restore(${this.owner}, #${this.index})`;
  }
}

class Purge implements Command {
  constructor(readonly owner: UserName, readonly index: number) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const res = await real.api[this.owner].delete(`/2.0/files/${file.id}/trash`);
    if (!file.trashed) return expectStatus(res, 404, 'not_found');
    expectStatus(res, 204);
    for (const version of file.versions) ref(model, version.blob, -1);
    model.files.splice(model.files.indexOf(file), 1);
  }
  toString(): string {
    return `Purge(${this.owner}, #${this.index})`;
  }
}

class Promote implements Command {
  constructor(readonly owner: UserName, readonly index: number, readonly versionIndex: number) {}
  check(model: Readonly<LifeModel>): boolean {
    return pick(model as LifeModel, this.owner, this.index) !== undefined;
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    const file = pick(model, this.owner, this.index)!;
    const api = real.api[this.owner];
    const list = await api.get(`/2.0/files/${file.id}/versions`);
    if (file.trashed) return expectStatus(list, 404, 'trashed');
    expectStatus(list, 200);
    assert.equal(list.body.total_count, file.versions.length - 1, 'past versions listed');
    if (list.body.total_count === 0) return;
    const target = list.body.entries[this.versionIndex % list.body.entries.length];
    const res = await api.post(`/2.0/files/${file.id}/versions/current`, { type: 'file_version', id: target.id });
    expectStatus(res, 201);
    const version = file.versions.find((v) => v.sha1 === target.sha1 && v.size === target.size)!;
    assert.ok(version, 'the promoted version is one the model knows');
    ref(model, version.blob, 1);
    file.versions.push({ ...version });
    file.current = file.versions.length - 1;
  }
  toString(): string {
    return `Promote(${this.owner}, #${this.index}, v${this.versionIndex})`;
  }
}

/** Runs a command, then checks the invariants. */
class Checked implements Command {
  constructor(readonly inner: Command) {}
  check(model: Readonly<LifeModel>): boolean {
    return this.inner.check(model);
  }
  async run(model: LifeModel, real: LifeReal): Promise<void> {
    await this.inner.run(model, real);
    await checkInvariants(model, real);
  }
  toString(): string {
    return String(this.inner);
  }
}

const user = fc.constantFrom<UserName>('A', 'B');
const index = fc.nat(20);

export function lifecycleCommands() {
  return fc.commands(
    [
      fc.tuple(user, fc.nat(2), fc.boolean(), fc.integer({ min: 0, max: 2500 }), fc.boolean()).map(([u, n, f, s, c]) => new Upload(u, n, f, c ? Math.max(s, 1) : s, c)),
      fc.tuple(user, index, fc.integer({ min: 0, max: 2000 })).map(([u, i, s]) => new NewVersion(u, i, s)),
      fc.tuple(user, index, fc.nat(2), fc.boolean()).map(([u, i, n, f]) => new Copy(u, i, n, f)),
      fc.tuple(user, index, fc.nat(2)).map(([u, i, n]) => new Move(u, i, n)),
      fc.tuple(user, index).map(([u, i]) => new Delete(u, i)),
      fc.tuple(user, index).map(([u, i]) => new Restore(u, i)),
      fc.tuple(user, index).map(([u, i]) => new Purge(u, i)),
      fc.tuple(user, index, fc.nat(5)).map(([u, i, v]) => new Promote(u, i, v)),
    ].map((arbitrary) => arbitrary.map((command: Command) => new Checked(command))),
    { maxCommands: 25 },
  );
}
