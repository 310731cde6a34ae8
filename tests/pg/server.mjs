// server.mjs - PostgreSQL with pgvector for the tests: PGlite (PostgreSQL
// compiled to WASM) plus its pgvector extension, served over the PostgreSQL
// wire protocol by PGLiteSocketServer on a loopback port.
// Usage: node server.mjs [--port N] [--max-connections N]; prints one JSON line
// {"event":"listening","port":N} on stdout, stops on SIGTERM/SIGINT.
// PGlite runs one query at a time; the socket server queues the others.  It
// accepts any user and password (no authentication): tests of refused
// passwords use Debian's postgresql server instead.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import net from 'node:net';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const db = await PGlite.create({ extensions: { vector } });
const port = arg('--port', 0) || await freePort();
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1',
                                        maxConnections: arg('--max-connections', 16) });
await server.start();
console.log(JSON.stringify({ event: 'listening', port }));
const stop = async () => { await server.stop(); await db.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
