/* Protocol 2 of the waiting line: the page works out its own place and wait (no DOM: tested
 * with node --test, and against helpline/queue/estimate.py and moves.py by
 * tests/queue/test_places_js.py). The server sends one `line_moved` packet per change for
 * every waiting page, {version, previous, moves, free, capacity, mean_minutes, history,
 * staff_on_duty, open}; a page holding its place in version `previous` applies it.
 * docs/protocol.md, "Protocol versions", is the contract. */

/** The new place of the page that held `place`: the shift of the last breakpoint
 * [from_place, shift] at or before it (none: it did not move). */
export function movedPlace(moves, place) {
  let shift = 0;
  for (const [from, step] of moves) {
    if (from > place) break;
    shift = step;
  }
  return place + shift;
}

/* Whole minutes up to 10, then to the next 5: a range is not more exact than that. */
function roundUp(minutes) {
  return minutes <= 10 ? Math.ceil(minutes) : 5 * Math.ceil(minutes / 5);
}

/** expected_wait_minutes at `position` for the packet's inputs (estimate.wait_minutes):
 * the same operations in the same order on the same doubles, so the same figure. */
export function waitMinutes(position, p) {
  if (p.capacity <= 0) return null;
  const ahead = position - p.free;
  if (ahead <= 0) return 0;
  return Math.max(1, Math.ceil(ahead * p.mean_minutes / p.capacity));
}

/** expected_wait_range at `position` for the packet's inputs (estimate.wait_range). */
export function waitSpan(position, p) {
  if (p.capacity <= 0) return null;
  const ahead = position - p.free;
  if (ahead <= 0) return [0, 0];
  const perSlot = p.mean_minutes / p.capacity;
  const high = ahead * perSlot * (p.history ? 1 : 1.5);
  const low = Math.max(1, Math.floor((ahead - 1) * perSlot));
  return [low, Math.max(low + 1, roundUp(high))];
}

/** What a `position` event would say at `position` under the packet's inputs. */
export function lineInfo(position, packet) {
  return { position: position, expected_wait_minutes: waitMinutes(position, packet),
           expected_wait_range: waitSpan(position, packet),
           staff_on_duty: Boolean(packet.staff_on_duty), open: Boolean(packet.open) };
}

/** What a page holds: the version of the line its place is in (null: none yet, its own
 * `position` event comes next) and what it shows, a `position` event's fields. */
export function noPlace() {
  return { version: null, info: null };
}

/** A place with a version, from the page's own `position` event, the start or resume
 * ack (`line_version`) or the answer to `where`: taken unless a newer one is held. One
 * without a version (null) counts only while nothing with a version is held. */
export function takePlace(held, version, info) {
  if (typeof version !== 'number') return held.version === null ? { version: null, info: info } : held;
  if (held.version !== null && version < held.version) return held;
  return { version: version, info: info };
}

/** A `line_moved` packet against what the page holds:
 *  {kind: 'apply', held}  its `previous` is the held version: the new place and wait;
 *  {kind: 'gap'}          it is newer: a version was missed, ask `where` (once);
 *  {kind: 'early'}        nothing with a version is held yet: keep it for when one is;
 *  {kind: 'old'}          it is older than the held version: ignore it. */
export function applyPacket(held, packet) {
  if (held.version === null) return { kind: 'early' };
  if (packet.previous === held.version) {
    const position = movedPlace(packet.moves, held.info.position);
    return { kind: 'apply', held: { version: packet.version, info: lineInfo(position, packet) } };
  }
  return { kind: packet.previous > held.version ? 'gap' : 'old' };
}

/** Whether the line's version the server last sent (a `keep_place` ack, at each renewal)
 * says to ask `where`: it is newer than the one held (packets were missed with no newer
 * one to show it), or a waiting page still holds none (its own `position` never came). */
export function isBehind(held, version) {
  return typeof version === 'number' && (held.version === null || version > held.version);
}

/** Whether a packet is well formed enough to apply (anything else is ignored). */
export function isPacket(p) {
  return Boolean(p) && Number.isInteger(p.version) && Number.isInteger(p.previous) &&
    Array.isArray(p.moves) && p.moves.every(function (m) {
      return Array.isArray(m) && m.length === 2 && Number.isInteger(m[0]) && Number.isInteger(m[1]);
    }) && typeof p.free === 'number' && typeof p.capacity === 'number' &&
    typeof p.mean_minutes === 'number';
}

/** Whether two places show the same (place, waits, duty, `open`): a packet that changes
 * nothing for this page is not rendered again (the status is a live region). */
export function samePlace(a, b) {
  const range = function (r) { return Array.isArray(r) ? r.join('-') : String(r); };
  return Boolean(a) && Boolean(b) && a.position === b.position &&
    a.expected_wait_minutes === b.expected_wait_minutes &&
    range(a.expected_wait_range) === range(b.expected_wait_range) &&
    a.staff_on_duty === b.staff_on_duty && a.open === b.open;
}

/** The place fields of a `position` event, an ack or a `where` answer (nothing else). */
export function placeFields(res) {
  return { position: res.position, expected_wait_minutes: res.expected_wait_minutes,
           expected_wait_range: res.expected_wait_range, staff_on_duty: res.staff_on_duty,
           open: res.open };
}

const EARLY_KEPT = 8; // packets kept while no version is held (or a `where` is on its way)

/** What a waiting page does with its place: holds it with its line version, applies the
 * packets that follow it, keeps those that come early, and asks `where` after a gap or
 * when told the line is ahead (once at a time). The chat page (line.js) and the scale
 * bench (bench/scale_load.js) both keep their places with it. Hooks:
 *   show(info, changed)  a place was taken or a packet applied; `changed`: it shows
 *                        something else than before (the page renders only then);
 *   askWhere()           send `where`; true if sent (the answer comes to `answered`). */
export class PlaceKeeper {
  constructor(hooks) {
    this.hooks = hooks;
    this.asking = false;
    this.forget();
  }

  /** Hold no place: a start or resume asks afresh, and a chat that a therapist took or
   * handed back holds none until its own `position` event comes. */
  forget() {
    this.held = noPlace();
    this.early = [];
  }

  /** A place with its line version (null: none): the page's own `position` event or a
   * start or resume ack. Packets that came early are applied after it. */
  take(version, info) {
    this.accept(takePlace(this.held, version, info), this.held.info);
  }

  /** A `line_moved` packet: applied when it follows the version held; a newer one means a
   * version was missed, so ask `where` and keep what comes meanwhile; an older one is
   * ignored. */
  packet(packet) {
    if (!isPacket(packet)) return;
    const step = this.asking ? { kind: 'early' } : applyPacket(this.held, packet);
    if (step.kind === 'apply') {
      this.accept(step.held, this.held.info);
    } else if (step.kind === 'gap') {
      this.early = [packet];
      this.ask();
    } else if (step.kind === 'early') {
      this.early = this.early.concat([packet]).slice(-EARLY_KEPT);
    }
  }

  /** The line's version as the server last told it (a `keep_place` ack): holding an older
   * one, or none, means a packet or its own `position` was missed, so ask `where`. */
  versionSeen(version) {
    if (isBehind(this.held, version)) this.ask();
  }

  /** The answer to `where` replaces the place held (`info` null: no answer; the next gap
   * asks again); packets kept meanwhile follow it. */
  answered(version, info) {
    this.asking = false;
    if (!info) return;
    this.accept(takePlace(noPlace(), version, info), this.held.info);
  }

  ask() {
    if (!this.asking) this.asking = Boolean(this.hooks.askWhere());
  }

  accept(held, shownBefore) {
    if (held === this.held) return;
    this.held = held;
    if (held.info) this.hooks.show(held.info, !samePlace(shownBefore, held.info));
    if (held.version === null || this.asking) return;
    const early = this.early;
    this.early = [];
    early.forEach((packet) => this.packet(packet));
  }
}
