/** Group sync: parallel writers of one file share flushes, and nobody is released by a flush that began before its call. */
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { GroupSync } from '@tranche/server';

async function withFile(run: (file: string, handles: FileHandle[], log: string[]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tranche-gsync-'));
  const file = path.join(dir, 'upload');
  const handles = await Promise.all(Array.from({ length: 6 }, () => open(file, 'a+')));
  const log: string[] = [];
  for (const [i, handle] of handles.entries()) {
    const datasync = handle.datasync.bind(handle);
    handle.datasync = async () => {
      log.push(`start ${i}`);
      await datasync();
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push(`end ${i}`);
    };
  }
  try {
    await run(file, handles, log);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

test('six concurrent writers of one file need two flushes, not six', async () => {
  await withFile(async (file, handles, log) => {
    const sync = new GroupSync();
    await Promise.all(handles.map((h) => sync.sync(file, h)));
    assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1']);
  });
});

test('a call made while a flush runs is released only by a flush that starts after it', async () => {
  await withFile(async (file, handles, log) => {
    const sync = new GroupSync();
    const first = sync.sync(file, handles[0]!);
    await new Promise((resolve) => setTimeout(resolve, 5));
    let released = false;
    const second = sync.sync(file, handles[1]!).then(() => (released = true));
    await first;
    assert.equal(released, false, 'the running flush may have missed the second write');
    await second;
    assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1']);
  });
});

test('writers of different files do not wait for each other', async () => {
  await withFile(async (file, handles, log) => {
    const sync = new GroupSync();
    await Promise.all([sync.sync(file, handles[0]!), sync.sync(`${file}-other`, handles[1]!)]);
    assert.deepEqual(log.slice(0, 2), ['start 0', 'start 1']);
  });
});
