// Loopback signaling relay: listens on 127.0.0.1 (port 0 = any; the port is printed on stdout
// as {"type":"listening","port":N}), pairs the first two connections and forwards each JSON line
// of one to the other, unchanged. Usable by the C tests as well (README.md).
'use strict';
const net = require('net');
const { wrap } = require('./lib/signal');

function startRelay(port = 0) {
  return new Promise((resolve) => {
    const peers = [];
    const server = net.createServer((sock) => {
      if (peers.length >= 2) { sock.destroy(); return; }
      const p = wrap(sock);
      peers.push(p);
      p.onMessage((msg) => {
        const other = peers.find((q) => q !== p);
        if (other) other.send(msg);
        else (p.early = p.early || []).length < 1024 && p.early.push(msg);
      });
      p.onClose(() => { peers.forEach((q) => q.close()); server.close(); });
      if (peers.length === 2) {
        for (const [a, b] of [[peers[0], peers[1]], [peers[1], peers[0]]]) {
          (a.early || []).forEach((m) => b.send(m));
          a.early = null;
        }
      }
    });
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

if (require.main === module) {
  startRelay(Number(process.argv[2] || 0)).then(({ port }) => {
    console.log(JSON.stringify({ type: 'listening', port }));
  });
}

module.exports = { startRelay };
