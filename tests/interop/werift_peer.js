// Interop peer on werift (TypeScript WebRTC): offerer or answerer over the loopback signaling of
// README.md; echoes every data-channel message; optional synthetic VP8 RTP track (--media).
'use strict';
const werift = require('werift');
const { run } = require('./lib/peer');

const adapter = {
  name: 'werift',
  createPc: () => new werift.RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new werift.RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new werift.RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })],
    },
  }),
  close: (pc) => pc.close(),
  localSdp: (pc) => (pc.localDescription ? pc.localDescription.sdp : ''),
  remoteSdp: (pc) => (pc.remoteDescription ? pc.remoteDescription.sdp : ''),
  async makeOffer(pc, restart) {
    if (restart) pc.restartIce();
    await pc.setLocalDescription(await pc.createOffer(restart ? { iceRestart: true } : undefined));
    return pc.localDescription.sdp;
  },
  async makeAnswer(pc) {
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription.sdp;
  },
  setRemote: (pc, desc) => pc.setRemoteDescription(desc),
  addCandidate: (pc, c) => pc.addIceCandidate(new werift.RTCIceCandidate({ candidate: c.candidate,
    sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment })),
  onCandidate(pc, cb) {
    pc.onicecandidate = (e) => cb(e.candidate ? e.candidate.toJSON() : null);
  },
  onState(pc, cb) { pc.connectionStateChange.subscribe((s) => cb(s)); },
  onDataChannel(pc, cb) { pc.ondatachannel = (e) => cb(e.channel); },
  createChannel: (pc, label, opts) => pc.createDataChannel(label, opts),
  onOpen(dc, cb) { if (dc.readyState === 'open') cb(); else dc.stateChanged.subscribe((s) => { if (s === 'open') cb(); }); },
  onClose(dc, cb) { dc.stateChanged.subscribe((s) => { if (s === 'closed') cb(); }); },
  onMessage(dc, cb) { dc.onMessage.subscribe((data) => cb(data)); },
  send(dc, data) { if (dc.readyState === 'open') dc.send(data); },
  async sendPaced(dc, data, limit = 4 * 1024 * 1024) {
    for (let i = 0; dc.bufferedAmount > limit && i < 2000; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    dc.send(data);
  },
  onTrack(pc, cb, packets) {
    pc.ontrack = (e) => {
      e.track.onReceiveRtp.subscribe((rtp) => {
        packets.count++;
        packets.bytes += rtp.payload.length;
        if (e.track.kind === 'audio') packets.audio++;
      });
      cb(e.track.kind, e.track.id);
    };
  },
  // A synthetic VP8 track: one RTP packet per 100 ms with a VP8 payload descriptor and a tiny
  // key-frame-shaped payload (werift sends what it is given; the receiver counts packets).
  addVideo(pc) {
    const track = new werift.MediaStreamTrack({ kind: 'video' });
    pc.addTrack(track);
    let seq = 0, ts = 0;
    const timer = setInterval(() => {
      const header = new werift.RtpHeader({ payloadType: 96, sequenceNumber: seq++ & 0xffff,
        timestamp: (ts += 9000) >>> 0, marker: true, ssrc: 1 });
      const payload = Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0x00]);
      track.writeRtp(new werift.RtpPacket(header, payload));
    }, 100);
    return () => clearInterval(timer);
  },
  packetsReceived: async (pc, packets, kind) => (kind === 'audio' ? packets.audio : packets.count),
  bytesReceived: async (pc, packets) => packets.bytes, // RTP payload bytes
};

run(adapter, process.argv).catch((e) => { console.error(e); process.exit(1); });
