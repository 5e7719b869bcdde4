/** `tranche uploads`: the interrupted uploads this machine can resume (from the state files). */
import { fileResumeStore, type UploadState } from '@tranche/client';
import { printJson, type Io } from '../io.js';
import { formatBytes } from '../output/format.js';
import { printable } from '../output/printable.js';

export interface UploadsFlags {
  stateDir?: string | undefined;
  json?: boolean | undefined;
}

export async function uploads(flags: UploadsFlags, io: Io): Promise<UploadState[]> {
  const store = fileResumeStore(flags.stateDir);
  const states = await store.list();
  for (const state of states) {
    const target = state.destination.fileId !== undefined ? `new version of file ${state.destination.fileId}` : `folder ${state.destination.folderId}`;
    if (flags.json) {
      printJson(io, {
        path: state.sourceId,
        name: state.name,
        size: state.size,
        session_id: state.session.id,
        parts_done: state.parts.length,
        total_parts: state.session.total_parts,
        destination: state.destination,
        upload_url: state.uploadUrl,
        expires_at: state.session.session_expires_at,
        updated_at: state.updatedAt,
        state_file: store.fileFor(state.key),
      });
    } else {
      io.stdout.write(
        `${printable(state.session.id)}  ${state.parts.length}/${state.session.total_parts} parts  ${formatBytes(state.size)}  ${state.sourceId} → ${target} on ${state.uploadUrl}\n`,
      );
    }
  }
  if (states.length === 0 && !flags.json) io.stdout.write(`no interrupted uploads in ${store.dir}\n`);
  return states;
}
