/**
 * The S3-compatible server of the cluster scenario, in its own process: fauxqs (an in-memory emulator; every
 * object and part lives in this process's heap) on loopback only. buildApp rather than fauxqs's own start,
 * which listens on every interface.
 */
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
console.log(`fauxqs listening on ${new URL(address).origin}`);
