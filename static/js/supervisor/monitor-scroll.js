/* The monitor panel's transcript keeps to its newest message; scrolled up, the reader
 * stays put and a "new messages" button below the transcript counts what came in (and
 * takes them there). The state rules are in follow.js. */
import { arrived, atBottom, initial, scrolled } from './follow.js';

/**
 * Follow `list` (the scrolling transcript); `marker` is the button shown while messages
 * wait below; `words(n)` gives its text. Returns { added, reset }: call `added()` after a
 * message went into the list, `reset()` when another chat is shown.
 */
export function followTranscript(list, marker, words) {
  let state = initial();

  function toEnd() { list.scrollTop = list.scrollHeight; }

  function render() {
    marker.hidden = state.unseen === 0;
    if (state.unseen) marker.textContent = words(state.unseen);
  }

  list.addEventListener('scroll', () => {
    state = scrolled(state, atBottom(list));
    render();
  });
  marker.addEventListener('click', () => {
    toEnd();
    state = scrolled(state, true);
    render();
    list.focus();
  });

  return {
    added() {
      const step = arrived(state);
      state = step.state;
      if (step.scroll) toEnd();
      render();
    },
    reset() {
      state = initial();
      toEnd();
      render();
    },
  };
}
