// The behaviour shared by wrtc_peer.js and werift_peer.js: signaling over lib/signal.js,
// offer/answer with trickle ICE and buffered candidates, the four labelled data channels with
// their QoS, raw echo, ICE restart, a synthetic VP8 track, stats, and the self-test driver.
// Each stack supplies a small adapter (see the two peer files). Message format: ../README.md.
'use strict';
const crypto = require('crypto');
const signal = require('./signal');
const lane = require('./lane');

// spec/protocol.md 8.1: labels and QoS; the offerer creates RPC_RELIABLE before the offer.
const LANES = [
  { label: 'RPC_RELIABLE', opts: { ordered: true } },
  { label: 'RPC_SIGNAL', opts: { ordered: true } },
  { label: 'STREAM_RELIABLE', opts: { ordered: true } },
  { label: 'STREAM_LATENCY_FIRST', opts: { ordered: false, maxRetransmits: 3 } },
];
const LABELS = new Set(LANES.map((l) => l.label));
const WINDOW = 2;
const SIZES = [0, 1, 1000, 60000, 65527, 65528, 100000, 200000, 512000, 1000000];

function parseArgs(argv) {
  const a = { role: 'offer', signal: null, drive: false, media: false, timeout: 60 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--role') a.role = argv[++i];
    else if (k === '--signal') a.signal = argv[++i];
    else if (k === '--drive') a.drive = true;
    else if (k === '--media') a.media = true;
    else if (k === '--timeout') a.timeout = Number(argv[++i]);
    else throw new Error('unknown argument ' + k);
  }
  if (!a.signal || !/^(offer|answer)$/.test(a.role)) {
    throw new Error('usage: --role offer|answer --signal 127.0.0.1:PORT [--drive] [--media] [--timeout s]');
  }
  return a;
}

function ufragOf(sdp) {
  const m = /a=ice-ufrag:(\S+)/.exec(sdp || '');
  return m ? m[1] : '';
}

async function run(adapter, argv) {
  const args = parseArgs(argv);
  const [host, port] = args.signal.split(':');
  const sig = await signal.connect(host, Number(port));
  const log = (...m) => console.error(`[${adapter.name}/${args.role}]`, ...m);
  let pc = null;
  let remoteSet = false;
  let pending = []; // remote candidates before the remote description (bounded like ours: 256)
  const channels = new Map(); // label -> dc
  let echoed = 0;
  let stopMedia = null;
  let packets = { count: 0, bytes: 0, audio: 0 };
  let finished = false;
  const waiters = []; // {pred, resolve}

  const finish = (code, why) => {
    if (finished) return;
    finished = true;
    if (why) log(why);
    try { if (stopMedia) stopMedia(); } catch (e) { /* closing anyway */ }
    Promise.resolve(pc && adapter.close(pc)).catch(() => {}).finally(() => {
      sig.close();
      setTimeout(() => process.exit(code), 50);
    });
  };
  setTimeout(() => finish(1, `timeout after ${args.timeout} s`), args.timeout * 1000).unref();

  const emit = (obj) => {
    sig.send(obj);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(obj)) waiters.splice(i, 1)[0].resolve(obj);
    }
  };
  const waitFor = (pred) => new Promise((resolve) => waiters.push({ pred, resolve }));

  function wireChannel(dc) {
    adapter.onOpen(dc, () => {
      channels.set(dc.label, dc);
      // @roamhq/wrtc reports an unset maxRetransmits as 65535; report null (reliable) for both.
      const rexmit = dc.maxRetransmits;
      emit({ type: 'channel', label: dc.label, ordered: dc.ordered,
        maxRetransmits: rexmit == null || rexmit === 65535 ? null : rexmit });
    });
    adapter.onClose(dc, () => { channels.delete(dc.label); emit({ type: 'channel-closed', label: dc.label }); });
    adapter.onMessage(dc, (data) => {
      if (dc.driverSink) { dc.driverSink(data); return; }
      adapter.send(dc, data); // the echo: raw, same type (string stays string)
      echoed++;
      if (process.env.INTEROP_DEBUG) log('echoed', dc.label, data.length, 'total', echoed);
    });
  }

  // Candidates gathered while a description is being made wait until it is sent, so the
  // other side never sees a candidate of a new ICE generation before its description.
  let holding = null;
  const sendCandidate = (obj) => (holding ? holding.push(obj) : sig.send(obj));
  async function sendDescription(type, make, extra) {
    holding = [];
    try {
      sig.send({ type, sdp: await make(), ...extra });
    } finally {
      const held = holding;
      holding = null;
      held.forEach((c) => sig.send(c));
    }
  }
  const remoteUfrags = []; // ufrags of remote descriptions seen, newest last

  function newPc() {
    pc = adapter.createPc();
    adapter.onCandidate(pc, (c) => {
      if (!c) { sendCandidate({ type: 'end-of-candidates' }); return; }
      sendCandidate({ type: 'candidate', candidate: c.candidate, sdpMid: c.sdpMid,
        sdpMLineIndex: c.sdpMLineIndex,
        usernameFragment: c.usernameFragment || (/ ufrag (\S+)/.exec(c.candidate) || [])[1] ||
          ufragOf(adapter.localSdp(pc)) });
    });
    adapter.onState(pc, (s) => emit({ type: 'state', state: s }));
    adapter.onDataChannel(pc, (dc) => {
      if (!LABELS.has(dc.label)) { log('unknown label refused:', dc.label); dc.close(); return; }
      wireChannel(dc);
    });
    adapter.onTrack(pc, (kind, id) => emit({ type: 'track', kind, id }), packets);
    // The offerer adds its track before the offer; the answerer after applying the offer, so
    // the stack attaches it to the offered video section (addTrack semantics).
    if (args.media && args.role === 'offer') stopMedia = adapter.addVideo(pc);
  }

  async function applyCandidate(c) {
    try {
      await adapter.addCandidate(pc, c);
    } catch (e) {
      log('candidate refused:', e.message);
    }
  }

  const sendOffer = (restart) => sendDescription('offer', () => adapter.makeOffer(pc, restart),
    { restart: !!restart });

  // spec/protocol.md 7.3: candidates of the current remote ufrag are applied, of an older one
  // dropped, of an unknown one (or before any description) buffered, at most 256.
  async function onCandidate(c) {
    const current = remoteUfrags[remoteUfrags.length - 1];
    if (remoteSet && (!c.usernameFragment || c.usernameFragment === current)) {
      await applyCandidate(c);
    } else if (remoteUfrags.includes(c.usernameFragment)) {
      log('candidate of an older ICE generation dropped');
    } else if (pending.length < 256) {
      pending.push(c);
    }
  }

  async function onRemote(desc) {
    await adapter.setRemote(pc, desc);
    remoteSet = true;
    remoteUfrags.push(ufragOf(desc.sdp));
    if (remoteUfrags.length > 8) remoteUfrags.shift();
    const buffered = pending;
    pending = [];
    for (const c of buffered) await onCandidate(c);
  }

  sig.onMessage(async (msg) => {
    try {
      switch (msg.type) {
        case 'offer':
          if (!pc) newPc();
          await onRemote({ type: 'offer', sdp: msg.sdp });
          if (args.media && !stopMedia) stopMedia = adapter.addVideo(pc);
          await sendDescription('answer', () => adapter.makeAnswer(pc));
          if (msg.restart) emit({ type: 'restarted' });
          break;
        case 'answer':
          await onRemote({ type: 'answer', sdp: msg.sdp });
          emit({ type: 'answered', ufrag: ufragOf(msg.sdp) });
          break;
        case 'candidate':
          if (msg.candidate) await onCandidate(msg);
          break;
        case 'restart':
        case 'restart-request':
          if (args.role === 'offer') await sendOffer(true);
          else sig.send({ type: 'restart-request' });
          break;
        case 'stats':
          sig.send({ type: 'stats-reply', packetsReceived: await adapter.packetsReceived(pc, packets),
            bytesReceived: await adapter.bytesReceived(pc, packets),
            audioPacketsReceived: await adapter.packetsReceived(pc, packets, 'audio'),
            channels: [...channels.keys()], echoed });
          break;
        case 'bye':
          finish(0, 'bye');
          break;
        default:
          emit({ type: 'peer-event', event: msg });
      }
    } catch (e) {
      log('error handling', msg.type + ':', e.stack || e.message);
      sig.send({ type: 'error', message: String(e.message) });
    }
  });
  sig.onClose(() => finish(args.drive ? 1 : 0, 'signaling closed'));
  sig.send({ type: 'hello', stack: adapter.name, role: args.role });

  if (args.role === 'offer') {
    newPc();
    wireChannel(adapter.createChannel(pc, LANES[0].label, LANES[0].opts));
    await sendOffer(false);
    for (const l of LANES.slice(1)) wireChannel(adapter.createChannel(pc, l.label, l.opts));
  }
  if (!args.drive) return;

  // ---- self-test driver: framed messages on every lane, ICE restart, media ----
  const allOpen = () => LANES.every((l) => channels.has(l.label));
  if (!allOpen()) await waitFor(() => allOpen());
  log('all four channels open');
  const msgIds = new Map();
  // One framed message out and its echo back, compared byte for byte. On the unordered lane
  // (maxRetransmits=3) a fragment may be abandoned by SCTP under a burst: that lane paces its
  // fragments and retries a lost message with a fresh msg_id (counted in `lost`), up to 3 times.
  let lost = 0;
  async function roundTrip(label, size) {
    const dc = channels.get(label);
    const unordered = label === 'STREAM_LATENCY_FIRST';
    const payload = crypto.randomBytes(size);
    for (let attempt = 0; ; attempt++) {
      const id = msgIds.get(label) || 0;
      msgIds.set(label, id + 1);
      const re = new lane.Reassembler();
      let timer, frames = 0, gaveUp = false;
      const got = new Promise((resolve, reject) => {
        dc.driverSink = (data) => {
          if (process.env.INTEROP_DEBUG) log('got back', label, data.length);
          frames++;
          try {
            const m = re.push(Buffer.from(data));
            if (m && m.msgId === id) resolve(m.payload);
          } catch (e) { reject(e); }
        };
        timer = setTimeout(() => { gaveUp = true; resolve(null); }, unordered ? 5000 : 30000);
      });
      if (process.env.INTEROP_DEBUG) log('sending', label, size, 'attempt', attempt);
      const all = lane.fragment(id, payload);
      for (let i = 0; i < all.length && !gaveUp; i++) {
        // Unordered lane: at most WINDOW fragments unanswered, so a burst cannot overrun the
        // receiver's socket buffer (werift reads UDP in JavaScript) and exhaust 3 retransmits.
        while (unordered && i - frames >= WINDOW && !gaveUp) await new Promise((r) => setTimeout(r, 1));
        await adapter.sendPaced(dc, all[i]);
      }
      const back = await got;
      clearTimeout(timer);
      dc.driverSink = null;
      if (back && back.equals(payload)) return;
      if (back) throw new Error(`${label}: ${size} bytes came back different`);
      if (!unordered || attempt >= 2) throw new Error(`${label}: no echo of ${size} bytes`);
      lost++;
    }
  }
  async function round(tag) {
    for (const l of LANES) for (const s of SIZES) await roundTrip(l.label, s);
    log(`round ${tag}: ${LANES.length} lanes x ${SIZES.length} sizes echoed byte-exact`);
  }
  async function askStats() {
    const p = waitFor((m) => m.type === 'peer-event' && m.event.type === 'stats-reply');
    sig.send({ type: 'stats' });
    const timeout = new Promise((r) => setTimeout(() => r({ event: { packetsReceived: -1 } }), 2000));
    return (await Promise.race([p, timeout])).event;
  }
  try {
    await round('initial');
    const before = ufragOf(adapter.remoteSdp(pc));
    const answered = waitFor((m) => (m.type === 'answered' || m.type === 'restarted'));
    if (args.role === 'offer') await sendOffer(true);
    else sig.send({ type: 'restart-request' });
    await answered;
    const after = ufragOf(adapter.remoteSdp(pc));
    if (!after || after === before) throw new Error(`ICE restart kept the remote ufrag ${before}`);
    log(`ICE restart: remote ufrag ${before} -> ${after}`);
    await round('after ICE restart');
    let media = null;
    if (args.media) {
      for (let i = 0; i < 100; i++) { // up to 10 s for RTP to flow both ways
        const theirs = (await askStats()).packetsReceived;
        const ours = await adapter.packetsReceived(pc, packets);
        media = { ours, theirs };
        if (process.env.INTEROP_DEBUG) log('media', JSON.stringify(media));
        if (ours > 0 && theirs > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!(media.ours > 0 && media.theirs > 0)) throw new Error('no RTP: ' + JSON.stringify(media));
      log('media: RTP packets received', JSON.stringify(media));
    }
    const result = { type: 'result', ok: true, stack: adapter.name, role: args.role, media, lost };
    console.log(JSON.stringify(result));
    sig.send(result);
    sig.send({ type: 'bye' });
    finish(0);
  } catch (e) {
    console.log(JSON.stringify({ type: 'result', ok: false, error: e.message }));
    finish(1, e.stack);
  }
}

module.exports = { run, LANES, SIZES };
