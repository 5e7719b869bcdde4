/**
 * The balancer process (started by balancer.mjs, which talks to it over the IPC channel): a loopback HTTP proxy
 * that sends every request to a backend picked at random, as nginx round-robin without stickiness would spread
 * requests. Bodies stream through both ways. A backend that cannot be reached answers 502.
 * IPC: { backends: [origin…] } sets the backends; { stats: true } answers { stats: { sent, refused } }.
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let backends = [];
const sent = {};
let refused = 0;

const server = http.createServer((req, res) => {
  const backend = backends[Math.floor(Math.random() * backends.length)];
  if (!backend) {
    res.writeHead(503).end();
    return;
  }
  sent[backend] = (sent[backend] ?? 0) + 1;
  const upstream = http.request(`${backend}${req.url}`, { method: req.method, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    refused += 1;
    req.resume();
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end('bad gateway');
    else res.destroy();
  });
  req.on('aborted', () => upstream.destroy());
  req.pipe(upstream);
});
// Longer than the clients' pauses between requests, like nginx's keepalive_timeout.
server.keepAliveTimeout = 75_000;

process.on('message', (message) => {
  if (message.backends) {
    backends = message.backends;
    process.send({ backends });
  } else if (message.stats) {
    process.send({ stats: { sent, refused } });
  }
});
// The bench went away (or stopped us): nothing is left to balance for.
process.on('disconnect', () => process.exit(0));
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
server.listen(0, '127.0.0.1', () => process.send({ origin: `http://127.0.0.1:${server.address().port}` }));
