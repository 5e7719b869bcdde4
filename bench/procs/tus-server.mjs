/**
 * The baseline server: @tus/server with @tus/file-store on a directory (argv[2]), in its own process, as its
 * README's standalone example. It verifies no checksum and does not fsync (the store has no option for either).
 */
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const directory = process.argv[2];
if (!directory) throw new Error('usage: tus-server.mjs DIR');
const server = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const listener = server.listen({ host: '127.0.0.1', port: 0 }, () => {
  console.log(`tus listening on http://127.0.0.1:${listener.address().port}`);
});
process.once('SIGTERM', () => listener.close(() => process.exit(0)));
