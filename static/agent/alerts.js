/* Getting an agent's attention while the tab is hidden: a short beep (WebAudio, no file) and a
 * desktop notification. The mute toggle and the permission button live in the top bar.
 *
 * Notifications go through the service worker when there is one (issue #23): Android's Chrome
 * has no `new Notification()`, and the worker's notification opens its conversation even once
 * the page is gone (sw.js, notificationclick). Without a worker the page shows its own. */

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
    this.registration = null; // the service worker's, once it is ready
    this.setupMute();
    this.setupNotifications();
    this.followWorker();
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

  followWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then((registration) => {
      this.registration = registration;
    });
    // A tap on the worker's notification while this page is open: its conversation, here.
    navigator.serviceWorker.addEventListener("message", (event) => {
      const data = event.data || {};
      if (data.type !== "open-conversation" || !Number.isSafeInteger(data.sessionId)) return;
      window.focus();
      this.onOpen(data.sessionId);
    });
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
    const options = {
      body,
      tag: `switchboard-${sessionId}`,
      icon: "/static/icons/icon-192.png",
      data: { sessionId },
    };
    if (this.registration) {
      this.registration.showNotification(title, options).catch(() => this.pageNotification(title, options, sessionId));
    } else {
      this.pageNotification(title, options, sessionId);
    }
  }

  pageNotification(title, options, sessionId) {
    try {
      const note = new Notification(title, options);
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
