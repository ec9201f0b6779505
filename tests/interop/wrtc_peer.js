// Interop peer on Google's libwebrtc (@roamhq/wrtc): offerer or answerer over the loopback
// signaling of README.md; echoes every data-channel message; optional VP8 track (--media).
'use strict';
const wrtc = require('@roamhq/wrtc');
const { run } = require('./lib/peer');

const adapter = {
  name: 'wrtc',
  createPc: () => new wrtc.RTCPeerConnection({ iceServers: [] }),
  close: (pc) => pc.close(),
  localSdp: (pc) => (pc.localDescription ? pc.localDescription.sdp : ''),
  remoteSdp: (pc) => (pc.remoteDescription ? pc.remoteDescription.sdp : ''),
  async makeOffer(pc, restart) {
    const o = await pc.createOffer(restart ? { iceRestart: true } : {});
    await pc.setLocalDescription(o);
    return pc.localDescription.sdp;
  },
  async makeAnswer(pc) {
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription.sdp;
  },
  setRemote: (pc, desc) => pc.setRemoteDescription(desc),
  addCandidate: (pc, c) => pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid,
    sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment }),
  onCandidate(pc, cb) {
    pc.onicecandidate = (e) => cb(e.candidate ? e.candidate.toJSON() : null);
  },
  onState(pc, cb) { pc.onconnectionstatechange = () => cb(pc.connectionState); },
  onDataChannel(pc, cb) { pc.ondatachannel = (e) => { e.channel.binaryType = 'arraybuffer'; cb(e.channel); }; },
  createChannel(pc, label, opts) {
    const dc = pc.createDataChannel(label, opts);
    dc.binaryType = 'arraybuffer';
    return dc;
  },
  onOpen(dc, cb) { if (dc.readyState === 'open') cb(); else dc.onopen = cb; },
  onClose(dc, cb) { dc.onclose = cb; },
  onMessage(dc, cb) { dc.onmessage = (e) => cb(typeof e.data === 'string' ? e.data : Buffer.from(e.data)); },
  send(dc, data) { if (dc.readyState === 'open') dc.send(data); },
  // libwebrtc closes a channel whose send buffer passes 16 MiB: wait below 4 MiB.
  async sendPaced(dc, data, limit = 4 * 1024 * 1024) {
    for (let i = 0; dc.bufferedAmount > limit && i < 2000; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    dc.send(data);
  },
  onTrack(pc, cb) { pc.ontrack = (e) => cb(e.track.kind, e.track.id); },
  // A synthetic camera: black 320x240 I420 frames at 10 fps, encoded by libwebrtc (VP8).
  addVideo(pc) {
    const source = new wrtc.nonstandard.RTCVideoSource();
    const track = source.createTrack();
    pc.addTrack(track, new wrtc.MediaStream());
    const width = 320, height = 240;
    const data = new Uint8ClampedArray(width * height * 1.5);
    const timer = setInterval(() => source.onFrame({ width, height, data }), 100);
    return () => { clearInterval(timer); track.stop(); };
  },
  async packetsReceived(pc, packets, kind) {
    if (!pc) return 0;
    let n = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && (!kind || (s.kind || s.mediaType) === kind)) n += s.packetsReceived || 0;
    });
    return n;
  },
  // RTP payload bytes (inbound-rtp bytesReceived excludes headers and padding)
  async bytesReceived(pc) {
    if (!pc) return 0;
    let n = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') n += s.bytesReceived || 0; });
    return n;
  },
};

run(adapter, process.argv).catch((e) => { console.error(e); process.exit(1); });
