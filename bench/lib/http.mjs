/** A small node:http request helper with a keep-alive agent: bodies as Buffers, answers read whole or drained. */
import http from 'node:http';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * Sends one request. `body`: Buffer or undefined. `sink`: 'buffer' (default) collects the answer,
 * 'count' only counts its bytes (for downloads). Resolves with { status, headers, body?, bytes }.
 */
export function request(url, { method = 'GET', headers = {}, body, sink = 'buffer' } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        if (sink === 'buffer') chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: sink === 'buffer' ? Buffer.concat(chunks) : undefined, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function requestJson(url, options = {}) {
  const answer = await request(url, options);
  const text = answer.body.toString('utf8');
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { ...answer, json, text };
}

/** Throws with the answer's text unless its status is one of `expected`. */
export function expectStatus(answer, expected, what) {
  if (!expected.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${answer.text ?? ''}`.slice(0, 2000));
  return answer;
}
