/**
 * A bare node:http server answering every GET with one file (argv[2]) through fs.createReadStream in 1 MiB chunks:
 * the loopback ceiling of serving a file from Node, to set beside Tranche's download.
 */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';

const file = process.argv[2];
if (!file) throw new Error('usage: file-server.mjs FILE');
const { size } = statSync(file);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
  createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(res);
});
server.listen(0, '127.0.0.1', () => console.log(`file server listening on http://127.0.0.1:${server.address().port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
