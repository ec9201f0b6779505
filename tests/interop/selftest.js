// Proves the harness against itself: runs a relay and two peers (default: libwebrtc offering
// with the self-test driver, werift answering), exits 0 when the driver reports success.
// Usage: node selftest.js <offer-stack> <answer-stack> [--drive-answer] [--media]
'use strict';
const path = require('path');
const { spawn } = require('child_process');
const { startRelay } = require('./relay');

async function main() {
  const [offerer = 'wrtc', answerer = 'werift'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const driveAnswer = process.argv.includes('--drive-answer');
  const media = process.argv.includes('--media') ? ['--media'] : [];
  const { server, port } = await startRelay(0);
  const peer = (stack, role, drive) => spawn(process.execPath,
    [path.join(__dirname, `${stack}_peer.js`), '--role', role, '--signal', `127.0.0.1:${port}`,
      '--timeout', '90', ...(drive ? ['--drive'] : []), ...media],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const a = peer(offerer, 'offer', !driveAnswer);
  const b = peer(answerer, 'answer', driveAnswer);
  const driver = driveAnswer ? b : a;
  let result = '';
  driver.stdout.on('data', (d) => { result += d; });
  const code = await new Promise((resolve) => driver.on('exit', (c) => resolve(c)));
  const other = driveAnswer ? a : b;
  const otherCode = await new Promise((resolve) => {
    if (other.exitCode !== null) resolve(other.exitCode);
    const t = setTimeout(() => { other.kill('SIGKILL'); resolve(-1); }, 5000);
    other.on('exit', (c) => { clearTimeout(t); resolve(c); });
  });
  server.close();
  process.stdout.write(result);
  console.log(`selftest ${offerer}(offer) <-> ${answerer}(answer): driver exit ${code}, peer exit ${otherCode}`);
  process.exit(code === 0 && otherCode === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
