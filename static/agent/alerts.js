/* Getting an agent's attention while the tab is hidden: a short beep (WebAudio, no file) and a
 * desktop notification. The mute toggle and the permission button live in the top bar. */

const MUTE_KEY = "switchboard:muted";
const BEEP_GAP = 1500; // ms: a burst of events makes one beep

function storedMute() {
  try {
    return localStorage.getItem(MUTE_KEY) === "1";
  } catch (_) {
    return false;
  }
}

export class Alerts {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.muted = storedMute();
    this.audio = null;
    this.lastBeep = 0;
    this.muteButton = document.getElementById("mute-toggle");
    this.notifyButton = document.getElementById("notify-enable");
    this.setupMute();
    this.setupNotifications();
    // Browsers start audio only after a gesture: make the context on the first one.
    const unlock = () => {
      this.ensureAudio();
      window.removeEventListener("pointerdown", unlock);
      window.removeEventListener("keydown", unlock);
    };
    window.addEventListener("pointerdown", unlock);
    window.addEventListener("keydown", unlock);
    window.addEventListener("storage", (event) => {
      if (event.key === MUTE_KEY) {
        this.muted = event.newValue === "1";
        this.renderMute();
      }
    });
  }

  setupMute() {
    if (!this.muteButton) return;
    this.muteButton.hidden = false;
    this.muteButton.addEventListener("click", () => {
      this.muted = !this.muted;
      try {
        localStorage.setItem(MUTE_KEY, this.muted ? "1" : "0");
      } catch (_) {
        /* storage blocked: the choice lasts for this page */
      }
      this.renderMute();
    });
    this.renderMute();
  }

  renderMute() {
    if (!this.muteButton) return;
    const label = this.muted ? "Unmute sounds" : "Mute sounds";
    this.muteButton.setAttribute("aria-label", label);
    this.muteButton.title = label;
    this.muteButton.classList.toggle("is-muted", this.muted);
  }

  setupNotifications() {
    const button = this.notifyButton;
    if (!button) return;
    if (!("Notification" in window)) {
      button.hidden = true;
      return;
    }
    button.addEventListener("click", async () => {
      try {
        await Notification.requestPermission();
      } catch (_) {
        /* an old callback-only API: the permission is read below either way */
      }
      this.renderNotify();
    });
    this.renderNotify();
  }

  renderNotify() {
    const button = this.notifyButton;
    const permission = Notification.permission;
    button.hidden = permission !== "default";
  }

  ensureAudio() {
    if (this.audio) return this.audio;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    try {
      this.audio = new Context();
    } catch (_) {
      this.audio = null;
    }
    return this.audio;
  }

  beep() {
    const now = Date.now();
    if (now - this.lastBeep < BEEP_GAP) return;
    this.lastBeep = now;
    const audio = this.ensureAudio();
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume().catch(() => {});
      const start = audio.currentTime + 0.01;
      const gain = audio.createGain();
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.18, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.28);
      gain.connect(audio.destination);
      for (const [freq, offset] of [[880, 0], [1318.5, 0.09]]) {
        const tone = audio.createOscillator();
        tone.type = "sine";
        tone.frequency.setValueAtTime(freq, start + offset);
        tone.connect(gain);
        tone.start(start + offset);
        tone.stop(start + 0.3);
      }
    } catch (_) {
      /* no sound is better than an error */
    }
  }

  notify(title, body, sessionId) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const note = new Notification(title, { body, tag: `switchboard-${sessionId}` });
      note.addEventListener("click", () => {
        window.focus();
        this.onOpen(sessionId);
        note.close();
      });
    } catch (_) {
      /* some browsers only notify from a service worker */
    }
  }

  /** A new conversation or customer message: beep and notify when the tab is hidden. */
  attention(title, body, sessionId) {
    if (!document.hidden || this.muted) return;
    this.beep();
    this.notify(title, body.length > 140 ? `${body.slice(0, 139)}…` : body, sessionId);
  }
}
