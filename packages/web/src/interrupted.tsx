/**
 * Uploads interrupted by a reload, a closed tab or a crash, from IndexedDB (the server has no endpoint listing a
 * user's sessions, so these are the ones this browser knows). On Chromium a kept file handle makes finishing one
 * click (access is granted again); elsewhere the person picks the same file again and it is recognised by name
 * and size (its lastModified and a sampled part's bytes are then checked against the session before sending).
 */
import { useEffect, useState } from 'preact/hooks';
import type { UploadState } from '@tranche/client/browser';
import { abort, describe, uploadUrlOf, type Connection } from './api.js';
import { formatBytes } from './format.js';
import type { Extra } from './upload-item.js';
import { store, type UploadQueue } from './uploads.js';

interface Record {
  state: UploadState;
  extra: Extra | undefined;
}

export function Interrupted({ conn, queue, tick, folderId }: { conn: Connection; queue: UploadQueue; tick: number; folderId: string }) {
  const [records, setRecords] = useState<Record[]>([]);
  const [message, setMessage] = useState('');
  const reload = async (): Promise<void> => {
    const states = (await store.list()).filter((s) => s.uploadUrl === uploadUrlOf(conn));
    setRecords(await Promise.all(states.map(async (state) => ({ state, extra: await store.getExtra<Extra>(state.key).catch(() => undefined) }))));
  };
  // Reloaded every few seconds while uploading, and whenever an upload ends.
  const ended = queue.items.filter((i) => i.status !== 'uploading' && i.status !== 'queued').length;
  useEffect(() => void reload().catch(() => undefined), [Math.floor(tick / 6), ended]);
  const active = new Set(queue.items.filter((i) => !['done', 'cancelled', 'skipped'].includes(i.status)).map((i) => i.resumeOf?.sourceId ?? i.path));
  const shown = records.filter((r) => !active.has(r.state.sourceId));
  if (shown.length === 0) return null;

  const start = (record: Record, file: File): void => {
    if (file.name !== record.state.name.split('/').pop() && file.name !== record.state.sourceId.split('/').pop()) {
      setMessage(`${file.name} is not ${record.state.name}: pick the same file.`);
      return;
    }
    if (file.size !== record.state.size) {
      setMessage(`${file.name} has ${formatBytes(file.size)}, the interrupted upload had ${formatBytes(record.state.size)}: not the same file.`);
      return;
    }
    setMessage('');
    queue.add([{ file, path: record.state.sourceId, handle: record.extra?.handle, resumeOf: record.state }], [], folderId);
    void reload();
  };
  const regrant = async (record: Record): Promise<void> => {
    const handle = record.extra!.handle!;
    try {
      if ((await handle.queryPermission?.({ mode: 'read' })) !== 'granted') await handle.requestPermission?.({ mode: 'read' });
      start(record, await handle.getFile());
    } catch (e) {
      setMessage(`No access to the file: ${describe(e)}. Pick it again instead.`);
    }
  };
  const discard = async (record: Record): Promise<void> => {
    await abort(conn, record.state.session.session_endpoints.abort).catch(() => undefined);
    await store.remove(record.state.key);
    setMessage(`Upload of ${record.state.name} aborted`);
    await reload();
  };

  return (
    <section aria-labelledby="tr-interrupted-title" class="tr-panel">
      <h2 id="tr-interrupted-title">Interrupted uploads</h2>
      <p class="tr-muted">Sessions this browser started and did not finish. Finish them, or abort them to free the space on the server.</p>
      <ul class="tr-plain">
        {shown.map((record) => {
          const stored = record.state.parts.reduce((n, p) => n + p.size, 0);
          const id = `tr-resume-${record.state.session.id}`;
          return (
            <li key={record.state.key} class="tr-resumable" data-name={record.state.name}>
              <div>
                <strong>{record.state.sourceId}</strong> — {formatBytes(stored)} of {formatBytes(record.state.size)} on the server, session {record.state.session.id}, expires{' '}
                {new Date(record.state.session.session_expires_at).toLocaleString()}
              </div>
              <div class="tr-row">
                {record.extra?.handle && (
                  <button type="button" onClick={() => void regrant(record)}>
                    Finish {record.state.name}
                  </button>
                )}
                <label class="tr-button" for={id}>
                  Choose {record.state.name} again
                </label>
                <input id={id} type="file" class="tr-file" data-testid="resume-input" onChange={(e) => e.currentTarget.files?.[0] && start(record, e.currentTarget.files[0])} />
                <button type="button" class="tr-secondary" onClick={() => void discard(record)}>
                  Abort upload of {record.state.name}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <p role="alert" class="tr-error">
        {message}
      </p>
    </section>
  );
}
