// The 8-byte fragment framing of spec/protocol.md 8.2 (msg_id u32, frag_index u16,
// total_frags u16, big-endian; 65527-byte chunks), used only by the self-test driver: echo peers
// never look inside messages, the C side does the framing.
'use strict';

const HEADER = 8;
const CHUNK = 65535 - HEADER;

function fragment(msgId, payload) {
  const total = Math.max(1, Math.ceil(payload.length / CHUNK));
  if (total > 65535) throw new Error('message too large');
  const frames = [];
  for (let i = 0; i < total; i++) {
    const part = payload.subarray(i * CHUNK, Math.min(payload.length, (i + 1) * CHUNK));
    const f = Buffer.allocUnsafe(HEADER + part.length);
    f.writeUInt32BE(msgId >>> 0, 0);
    f.writeUInt16BE(i, 4);
    f.writeUInt16BE(total, 6);
    part.copy(f, HEADER);
    frames.push(f);
  }
  return frames;
}

// Collects fragments by msg_id; push() returns {msgId, payload} when a message completes.
class Reassembler {
  constructor(maxPartial = 64) { this.parts = new Map(); this.maxPartial = maxPartial; }
  push(frame) {
    if (frame.length < HEADER) throw new Error('truncated frame');
    const id = frame.readUInt32BE(0), idx = frame.readUInt16BE(4), total = frame.readUInt16BE(6);
    if (total === 0 || idx >= total) throw new Error('bad fragment header');
    const body = frame.subarray(HEADER);
    if (total === 1) return { msgId: id, payload: Buffer.from(body) };
    let p = this.parts.get(id);
    if (!p) {
      if (this.parts.size >= this.maxPartial) this.parts.delete(this.parts.keys().next().value);
      p = { total, got: 0, frags: new Array(total) };
      this.parts.set(id, p);
    }
    if (p.total !== total || p.frags[idx]) throw new Error('inconsistent or duplicate fragment');
    p.frags[idx] = Buffer.from(body);
    if (++p.got < total) return null;
    this.parts.delete(id);
    return { msgId: id, payload: Buffer.concat(p.frags) };
  }
}

module.exports = { HEADER, CHUNK, fragment, Reassembler };
