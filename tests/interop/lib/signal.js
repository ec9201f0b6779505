// Newline-delimited JSON over TCP on 127.0.0.1: the loopback signaling of the interop peers
// (format in ../README.md). One object per line; lines over MAX_LINE bytes end the connection.
'use strict';
const net = require('net');

const MAX_LINE = 4 * 1024 * 1024;

// Wraps a socket: send(obj) writes one line, onMessage(fn) gets each parsed object.
function wrap(sock) {
  let buf = '';
  const handlers = [];
  const closers = [];
  sock.setEncoding('utf8');
  sock.setNoDelay(true);
  sock.on('data', (chunk) => {
    buf += chunk;
    if (buf.length > MAX_LINE && buf.indexOf('\n') < 0) { sock.destroy(); return; }
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      let msg;
      try { msg = JSON.parse(line); } catch (e) { console.error('signal: bad JSON line dropped'); continue; }
      handlers.forEach((h) => h(msg));
    }
  });
  sock.on('close', () => closers.forEach((c) => c()));
  sock.on('error', () => {});
  return {
    sock,
    send(obj) { if (!sock.destroyed) sock.write(JSON.stringify(obj) + '\n'); },
    onMessage(fn) { handlers.push(fn); },
    onClose(fn) { closers.push(fn); },
    close() { sock.end(); },
  };
}

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port }, () => resolve(wrap(sock)));
    sock.once('error', reject);
  });
}

module.exports = { wrap, connect, MAX_LINE };
