// bench/peer-ws.mjs: the Node `ws` peer for the chat benchmark.
// A room per URL path (/room/ID); every text frame is broadcast to every socket of
// the room, the sender included (as Parley echoes to every connection of the
// conversation). No persistence, no JSON, no auth: a floor, not a competitor.
//   node bench/peer-ws.mjs [PORT]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'tests', 'package.json'));
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 8090);
const rooms = new Map();
const wss = new WebSocketServer({ host: '0.0.0.0', port, perMessageDeflate: false, clientTracking: false });

wss.on('connection', (ws, req) => {
  const name = req.url || '/';
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = new Set()));
  room.add(ws);
  ws.on('message', (data, isBinary) => {
    for (const peer of room) if (peer.readyState === 1) peer.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0) rooms.delete(name);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`peer-ws listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
