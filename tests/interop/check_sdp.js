// SDP acceptance check for the C tests (tests/unit/../interop test_sdp_interop): reads one JSON
// request per line on stdin and answers one JSON line on stdout, for both stacks at once.
//   {"op":"answer","sdp":S}  -> {"wrtc":A1,"werift":A2}  each stack applies offer S, answers
//   {"op":"offer","media":b} -> {"wrtc":O1,"werift":O2}  each stack makes an offer (kept)
//   {"op":"apply","wrtc":A1,"werift":A2} -> {"wrtc":"ok"|error,"werift":"ok"|error}
// A stack that rejects a description reports {"error": message} in its slot.
'use strict';
const readline = require('readline');
const wrtc = require('@roamhq/wrtc');
const werift = require('werift');

const make = {
  wrtc: () => new wrtc.RTCPeerConnection({ iceServers: [] }),
  werift: () => new werift.RTCPeerConnection({
    iceServers: [], iceUseIpv6: false, bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new werift.RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new werift.RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
    },
  }),
};
const offerers = {};

async function each(fn) {
  const out = {};
  for (const name of ['wrtc', 'werift']) {
    try { out[name] = await fn(name); } catch (e) { out[name] = { error: String(e.message || e) }; }
  }
  return out;
}

async function handle(req) {
  if (req.op === 'answer') {
    return each(async (name) => {
      const pc = make[name]();
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: req.sdp });
        const a = await pc.createAnswer();
        await pc.setLocalDescription(a);
        return pc.localDescription.sdp;
      } finally { await pc.close(); }
    });
  }
  if (req.op === 'offer') {
    return each(async (name) => {
      const pc = make[name]();
      offerers[name] = pc;
      pc.createDataChannel('RPC_RELIABLE');
      if (req.media) {
        pc.addTransceiver('audio', { direction: 'sendrecv' });
        pc.addTransceiver('video', { direction: 'sendrecv' });
      }
      await pc.setLocalDescription(await pc.createOffer());
      return pc.localDescription.sdp;
    });
  }
  if (req.op === 'apply') {
    return each(async (name) => {
      const pc = offerers[name];
      delete offerers[name];
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp: req[name] });
        return 'ok';
      } finally { await pc.close(); }
    });
  }
  return { error: 'unknown op' };
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let res;
    try { res = await handle(JSON.parse(line)); } catch (e) { res = { error: String(e.message) }; }
    process.stdout.write(JSON.stringify(res) + '\n');
  });
});
rl.on('close', () => chain.then(() => process.exit(0)));
