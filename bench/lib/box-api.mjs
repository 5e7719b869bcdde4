/** The Box chunked-upload calls the bench drives directly (create session, upload part, commit, list parts). */
import { createHash } from 'node:crypto';
import { expectStatus, requestJson } from './http.mjs';

export const sha1Base64 = (buffer) => createHash('sha1').update(buffer).digest('base64');

export class BoxApi {
  constructor(origin, token) {
    this.origin = origin;
    this.auth = { authorization: `Bearer ${token}` };
  }

  async createSession({ fileName, fileSize, folderId = '0' }) {
    const answer = await requestJson(`${this.origin}/api/2.0/files/upload_sessions`, {
      method: 'POST',
      headers: { ...this.auth, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ folder_id: folderId, file_size: fileSize, file_name: fileName })),
    });
    // Box's UploadSession does not echo the file size; keep it for the parts' Content-Range.
    return { ...expectStatus(answer, [201], 'create session').json, fileSize };
  }

  /** PUT one part; `digest` is the base64 SHA-1 of `body` (computed by the caller, who may already have it). */
  async uploadPart(session, { offset, body, digest }) {
    const answer = await requestJson(session.session_endpoints.upload_part, {
      method: 'PUT',
      headers: {
        ...this.auth,
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${offset}-${offset + body.length - 1}/${session.fileSize}`,
        digest: `sha=${digest ?? sha1Base64(body)}`,
      },
      body,
    });
    return expectStatus(answer, [200], `upload part at ${offset}`).json.part;
  }

  /**
   * POST commit until it answers 201 (202 + Retry-After while the server's whole-file hash catches up).
   * Returns the file, the time from the first POST to the 201, and how many 202s came before it.
   */
  async commit(session, parts, wholeSha1Base64) {
    const started = performance.now();
    let accepted = 0;
    for (;;) {
      const answer = await requestJson(session.session_endpoints.commit, {
        method: 'POST',
        headers: { ...this.auth, 'content-type': 'application/json', digest: `sha=${wholeSha1Base64}` },
        body: Buffer.from(JSON.stringify({ parts })),
      });
      if (answer.status === 201) return { file: answer.json.entries[0], ms: performance.now() - started, accepted };
      expectStatus(answer, [202], 'commit');
      accepted += 1;
      const retryAfter = Number(answer.headers['retry-after'] ?? 1);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    }
  }

  listPartsUrl(session) {
    return session.session_endpoints.list_parts;
  }

  async listParts(session) {
    const answer = await requestJson(this.listPartsUrl(session), { headers: this.auth });
    return expectStatus(answer, [200], 'list parts').json;
  }

  /** GET /2.0/files/ID/content; follows a 302 (without the token, as a client must across origins). */
  async contentUrl(fileId) {
    const url = `${this.origin}/2.0/files/${fileId}/content`;
    const probe = await requestJson(url, { method: 'GET', headers: { ...this.auth, range: 'bytes=0-0' } });
    if (probe.status === 302) return { url: probe.headers.location, headers: {} };
    expectStatus(probe, [206, 200], 'download probe');
    return { url, headers: this.auth };
  }
}

