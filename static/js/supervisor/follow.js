/* Keeping a transcript at its newest message: pure state, no DOM, tested with
 * `node --test` (tests/js/overview-follow.test.mjs); static/js/supervisor/monitor-scroll.js
 * applies it to the monitor panel. A reader who scrolled up is left where they are and
 * told how many messages came in below ("new messages" marker). */

/** Slack in pixels: a list scrolled to within this of its end counts as at the end. */
export const SLACK = 24;

/** True when the list shows its last pixels (scrollTop + visible height reaches the end). */
export function atBottom({ scrollTop, clientHeight, scrollHeight }, slack = SLACK) {
  return scrollHeight - (scrollTop + clientHeight) <= slack;
}

/** A fresh list: following, nothing unseen. */
export function initial() { return { following: true, unseen: 0 }; }

/** The reader scrolled: at the end they follow again and the marker goes. */
export function scrolled(state, bottom) {
  return bottom ? { following: true, unseen: 0 } : { following: false, unseen: state.unseen };
}

/** A message arrived: scroll along when following, else count it for the marker. */
export function arrived(state) {
  return state.following ? { state, scroll: true }
    : { state: { following: false, unseen: state.unseen + 1 }, scroll: false };
}
