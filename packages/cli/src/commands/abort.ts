/**
 * `tranche abort <FILE|SESSION_ID>`: DELETE the upload session of an interrupted upload and drop its state file.
 * A FILE matches the state files recorded for that path; a session id matches a state file or, with --server,
 * is deleted on the server directly. A session the server no longer knows (404/410) counts as aborted.
 */
import path from 'node:path';
import { abortSession, fileResumeStore, TrancheApiError, UntrustedUrlError, type UploadState } from '@tranche/client';
import { clientOptions, type ConnectionFlags } from '../connection.js';
import { CliError, printJson, type Io } from '../io.js';
import { printable } from '../output/printable.js';

export interface AbortFlags extends ConnectionFlags {
  stateDir?: string | undefined;
  json?: boolean | undefined;
}

const SESSION_ID = /^[0-9A-Fa-f]{32}$/;

export async function abort(target: string, flags: AbortFlags, io: Io): Promise<string[]> {
  const store = fileResumeStore(flags.stateDir);
  const absolute = path.resolve(target);
  const matches = (await store.list()).filter((s) => s.sourceId === absolute || s.session.id.toUpperCase() === target.toUpperCase());
  if (matches.length === 0) {
    if (!SESSION_ID.test(target)) throw new CliError(`no interrupted upload of ${absolute} in ${store.dir}`);
    await deleteSession(target, clientOptions(flags, io.signal));
    report(io, flags, { session_id: target.toUpperCase() });
    return [target.toUpperCase()];
  }
  for (const state of matches) {
    const options = sessionOptions(state, flags, io);
    // An abort URL the server handed out on another origin gets no token: the session is deleted by id on the
    // upload URL the state was made with.
    await deleteSession(state.session.session_endpoints.abort, options).catch((error: unknown) => {
      if (error instanceof UntrustedUrlError) return deleteSession(state.session.id, options);
      throw error;
    });
    await store.remove(state.key);
    report(io, flags, { session_id: state.session.id, path: state.sourceId });
  }
  return matches.map((s) => s.session.id);
}

/** The state knows the server; only the token must come from the flags. */
function sessionOptions(state: UploadState, flags: AbortFlags, io: Io) {
  return clientOptions({ ...flags, server: undefined, apiUrl: state.apiUrl, uploadUrl: state.uploadUrl }, io.signal);
}

async function deleteSession(idOrUrl: string, options: ReturnType<typeof clientOptions>): Promise<void> {
  try {
    await abortSession(idOrUrl, options);
  } catch (error) {
    if (error instanceof TrancheApiError && (error.status === 404 || error.status === 410)) return;
    throw error;
  }
}

function report(io: Io, flags: AbortFlags, fields: { session_id: string; path?: string }): void {
  if (flags.json) printJson(io, { event: 'aborted', ...fields });
  else io.stdout.write(`aborted session ${printable(fields.session_id)}${fields.path ? ` (${fields.path})` : ''}\n`);
}
