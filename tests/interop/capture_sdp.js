// Captures real session descriptions from libwebrtc (@roamhq/wrtc) and werift into
// fixtures/*.sdp, the test data of tests/unit/test_sdp_fixtures.c. Run by hand after upgrading
// either package: `node capture_sdp.js` (writes ./fixtures). No network: no ICE servers.
'use strict';
const fs = require('fs');
const path = require('path');
const wrtc = require('@roamhq/wrtc');
const werift = require('werift');

const out = path.join(__dirname, 'fixtures');
fs.mkdirSync(out, { recursive: true });
const save = (name, sdp) => fs.writeFileSync(path.join(out, name + '.sdp'), sdp);

function wrtcPc() {
  return new wrtc.RTCPeerConnection({ iceServers: [] });
}

function wrtcTracks(pc) {
  const { RTCVideoSource, RTCAudioSource } = wrtc.nonstandard;
  const v = new RTCVideoSource();
  const a = new RTCAudioSource();
  const stream = new wrtc.MediaStream();
  const vt = v.createTrack();
  const at = a.createTrack();
  pc.addTrack(at, stream);
  pc.addTrack(vt, stream);
  return [vt, at];
}

function weriftPc() {
  return new werift.RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new werift.RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [
        new werift.RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }),
        new werift.RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000,
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' }),
      ],
    },
  });
}

// Resolves once ICE gathering completes (bounded: 5 s), so candidates are in the SDP.
function gathered(pc) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    const check = () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    };
    if (pc.onicegatheringstatechange !== undefined) pc.onicegatheringstatechange = check;
    if (pc.iceGatheringStateChange) pc.iceGatheringStateChange.subscribe(check);
    check();
  });
}

async function main() {
  // libwebrtc: data-only offer, data+media offer, the same after gathering, ICE restart offer.
  {
    const pc = wrtcPc();
    pc.createDataChannel('RPC_RELIABLE');
    const o = await pc.createOffer();
    save('wrtc_offer_data', o.sdp);
    await pc.setLocalDescription(o);
    await gathered(pc);
    save('wrtc_offer_data_gathered', pc.localDescription.sdp);
    const r = await pc.createOffer({ iceRestart: true });
    save('wrtc_offer_ice_restart', r.sdp);
    pc.close();
  }
  const wpc = wrtcPc();
  const tracks = wrtcTracks(wpc);
  wpc.createDataChannel('RPC_RELIABLE');
  const wOffer = await wpc.createOffer();
  save('wrtc_offer_av', wOffer.sdp);

  // werift: data-only and data+media offers.
  {
    const pc = weriftPc();
    pc.createDataChannel('RPC_RELIABLE');
    const o = await pc.createOffer();
    await pc.setLocalDescription(o);
    save('werift_offer_data', pc.localDescription.sdp);
    await pc.close();
  }
  const fpc = weriftPc();
  fpc.addTransceiver('audio', { direction: 'sendrecv' });
  fpc.addTransceiver('video', { direction: 'sendrecv' });
  fpc.createDataChannel('RPC_RELIABLE');
  const fOffer = await fpc.createOffer();
  await fpc.setLocalDescription(fOffer);
  save('werift_offer_av', fpc.localDescription.sdp);

  // Answers of each stack to the other's offer.
  {
    const pc = wrtcPc();
    await pc.setRemoteDescription({ type: 'offer', sdp: fpc.localDescription.sdp });
    const a = await pc.createAnswer();
    save('wrtc_answer_av', a.sdp);
    pc.close();
  }
  {
    const pc = weriftPc();
    await pc.setRemoteDescription({ type: 'offer', sdp: wOffer.sdp });
    const a = await pc.createAnswer();
    await pc.setLocalDescription(a);
    save('werift_answer_av', pc.localDescription.sdp);
    await pc.close();
  }
  tracks.forEach((t) => t.stop());
  wpc.close();
  await fpc.close();
  console.log('fixtures written to', out);
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
