/* The risk alert's tone: three short beeps, only once the page may play sound (browsers
 * block audio until a first click or key; common.js unlocks it then). */
import { runningAudio } from '../lib/common.js';

export function alarm() {
  const audio = runningAudio();
  if (!audio) return; // blocked until a first click
  [0, 0.3, 0.6].forEach((offset) => {
    const start = audio.currentTime + offset;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 988;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.22);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(start);
    osc.stop(start + 0.25);
  });
}
