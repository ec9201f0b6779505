// wrtc_peer.js - the libwebrtc side of bench_webrtc (@roamhq/wrtc from tests/interop/node_modules).
// JSON lines on stdin/stdout, the same as our own peer in `bench_webrtc --peer`:
//   out {"type":"hello"} at start; in/out {"type":"offer"|"answer","sdp"};
//   in/out {"type":"candidate","candidate","mid","mline","ufrag"};
//   in {"type":"expect","bytes":N} -> out {"type":"got","bytes":N} once STREAM_RELIABLE has
//   delivered N bytes (the bulk sink); RPC_RELIABLE messages are echoed (round trips);
//   in {"type":"stats"} -> out {"type":"stats","cpu_ms","rss_kb"}; stdin EOF ends the process.
'use strict';
const readline = require('readline');
const wrtc = require('@roamhq/wrtc');

const send = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
let expect = -1;
let got = 0;

pc.onicecandidate = (e) => {
  const c = e.candidate;
  if (c && c.candidate)
    send({ type: 'candidate', candidate: c.candidate, mid: c.sdpMid, mline: c.sdpMLineIndex,
           ufrag: c.usernameFragment || '' });
};
pc.ondatachannel = (e) => {
  const dc = e.channel;
  dc.binaryType = 'arraybuffer';
  if (dc.label === 'RPC_RELIABLE') dc.onmessage = (ev) => dc.send(ev.data);
  if (dc.label === 'STREAM_RELIABLE') {
    dc.onmessage = (ev) => {
      got += ev.data.byteLength;
      if (expect >= 0 && got >= expect) { send({ type: 'got', bytes: got }); expect = -1; got = 0; }
    };
  }
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const m = JSON.parse(line);
  if (m.type === 'offer') {
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: 'answer', sdp: pc.localDescription.sdp });
  } else if (m.type === 'candidate') {
    await pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.mid, sdpMLineIndex: m.mline,
                               usernameFragment: m.ufrag });
  } else if (m.type === 'expect') {
    expect = m.bytes;
    if (got >= expect) { send({ type: 'got', bytes: got }); expect = -1; got = 0; }
  } else if (m.type === 'stats') {
    const u = process.cpuUsage();
    send({ type: 'stats', cpu_ms: (u.user + u.system) / 1000, rss_kb: process.memoryUsage().rss / 1024 });
  }
});
rl.on('close', () => { pc.close(); setTimeout(() => process.exit(0), 100); });
send({ type: 'hello' });
