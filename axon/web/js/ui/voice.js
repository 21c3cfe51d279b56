// Voice messages: the inline player (play/pause, the waveform the server computed, progress drawn
// over it, duration, speed 1× / 1.5× / 2×, the "unplayed" dot on others' messages until played) and
// the recorder behind the composer's microphone button (MediaRecorder).
//
// The waveform is a row of <span> bars (their heights set through the CSSOM, which the CSP allows),
// so it needs no canvas and follows the theme's colours.

import { t } from "../core/i18n.js";
import { on, isMe } from "../core/store.js";
import { fileUrls, isPlayed, loadPlayed, markPlayed, playedKnown } from "../core/files.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { formatDuration } from "./attachments.js";

const SPEEDS = [1, 1.5, 2];
let current = null; // the audio that is playing: starting another pauses it
// One audio element per voice file, shared by every view of it: a message row redrawn (a reaction,
// an edit) while it plays keeps playing, and the new row shows where it is.
const audios = new Map();

on("signed-out", () => {
  for (const audio of audios.values()) audio.pause();
  audios.clear();
  current = null;
});

function audioFor(fileId) {
  let audio = audios.get(fileId);
  if (audio) return audio;
  audio = new Audio();
  audio.preload = "none";
  audio.addEventListener("error", async () => {
    // The signed URL may have expired while the page stayed open: ask for a fresh one, once.
    if (audio.dataset.retried) return;
    audio.dataset.retried = "1";
    const u = await fileUrls(fileId, { fresh: true });
    if (u) audio.src = u.content;
  });
  audios.set(fileId, audio);
  return audio;
}

// The dot follows the played set wherever the player is on screen (live events, other devices).
on("played", () => {
  for (const el of document.querySelectorAll("[data-voice-file]")) el._syncPlayed?.();
});

export function voicePlayer(m, a) {
  const mine = isMe(m.sender_id);
  const total = a.duration_ms || 0;
  const audio = audioFor(a.id);
  const rate = () => audio.defaultPlaybackRate || 1;
  const bars = waveformBars(a.waveform);
  const wave = h("div", {
    class: "voice-wave", role: "slider", tabindex: "0", "data-testid": "voice-wave",
    "aria-label": t("voice.position"), "aria-valuemin": "0", "aria-valuemax": String(Math.round(total / 1000)), "aria-valuenow": "0",
  }, bars);
  const playBtn = h("button", { type: "button", class: "voice-play", "data-testid": "voice-play", "aria-label": t("voice.play"), title: t("voice.play") }, icon("play", 16));
  const time = h("span", { class: "voice-time", "data-testid": "voice-time" }, formatDuration(total));
  // The name includes what it shows ("Playback speed 1.5×"), as a visible label must be part of it.
  const speed = h("button", { type: "button", class: "voice-speed", "data-testid": "voice-speed", title: t("voice.speed"),
    "aria-label": `${t("voice.speed")} ${rate()}×` }, `${rate()}×`);
  const dot = h("span", { class: "voice-unplayed", "data-testid": "voice-unplayed", title: t("voice.unplayed"), hidden: true });
  const el = h("div", { class: "voice", "data-testid": "voice", "data-file-id": a.id, "data-voice-file": a.id, "data-state": "paused" },
    playBtn, wave, h("div", { class: "voice-side" }, time, speed), dot);

  el._syncPlayed = () => {
    const unplayed = !mine && playedKnown(m.conversation_id) && !isPlayed(a.id);
    dot.hidden = !unplayed;
    el.classList.toggle("unplayed", unplayed);
  };
  if (!mine && !playedKnown(m.conversation_id)) loadPlayed(m.conversation_id).catch(() => {});
  el._syncPlayed();

  const duration = () => (Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration * 1000 : total);
  const progress = () => {
    const frac = duration() ? Math.min(1, (audio.currentTime * 1000) / duration()) : 0;
    bars.forEach((bar, i) => bar.classList.toggle("played", (i + 0.5) / bars.length <= frac));
    time.textContent = audio.currentTime > 0 && !audio.ended ? formatDuration(audio.currentTime * 1000) : formatDuration(duration());
    wave.setAttribute("aria-valuenow", String(Math.round(audio.currentTime)));
  };
  const setPlaying = (playing) => {
    el.dataset.state = playing ? "playing" : "paused";
    playBtn.replaceChildren(icon(playing ? "pause" : "play", 16));
    playBtn.setAttribute("aria-label", playing ? t("voice.pause") : t("voice.play"));
    playBtn.title = playBtn.getAttribute("aria-label");
  };
  const ensureSource = async () => {
    if (audio.getAttribute("src")) return true;
    const u = await fileUrls(a.id);
    if (!u) return false;
    audio.src = u.content;
    return true;
  };
  const play = async (at = null) => {
    if (!(await ensureSource())) return;
    if (current && current !== audio) current.pause();
    current = audio;
    if (at !== null) audio.currentTime = at;
    audio.playbackRate = rate();
    try {
      await audio.play();
    } catch (err) {
      if (err.name !== "AbortError") console.warn("voice message not played", err);
      return;
    }
    if (!mine) markPlayed(a.id);
  };
  playBtn.addEventListener("click", () => (audio.paused ? play() : audio.pause()));
  speed.addEventListener("click", () => {
    const next = SPEEDS[(SPEEDS.indexOf(rate()) + 1) % SPEEDS.length];
    speed.textContent = `${next}×`;
    speed.setAttribute("aria-label", `${t("voice.speed")} ${next}×`);
    audio.defaultPlaybackRate = next; // kept by a new source
    audio.playbackRate = next;
  });
  const seekTo = (frac) => {
    const at = (duration() / 1000) * Math.max(0, Math.min(1, frac));
    if (audio.paused) play(at);
    else audio.currentTime = at;
  };
  wave.addEventListener("click", (ev) => {
    const box = wave.getBoundingClientRect();
    seekTo((ev.clientX - box.left) / box.width);
  });
  wave.addEventListener("keydown", (ev) => {
    const step = ev.key === "ArrowRight" ? 5 : ev.key === "ArrowLeft" ? -5 : 0;
    if (!step) return;
    ev.preventDefault();
    seekTo((audio.currentTime + step) / (duration() / 1000 || 1));
  });
  // This view follows the shared audio until it leaves the page (a redrawn row replaces it).
  const listening = new AbortController();
  const follow = (type, fn) => audio.addEventListener(type, () => {
    if (el.isConnected) fn();
    else listening.abort();
  }, { signal: listening.signal });
  follow("play", () => setPlaying(true));
  follow("pause", () => setPlaying(false));
  follow("ended", () => { setPlaying(false); progress(); });
  follow("timeupdate", progress);
  follow("loadedmetadata", progress);
  if (!audio.paused) setPlaying(true);
  if (audio.currentTime > 0) progress();
  return el;
}

/** Bars from the server's waveform (WAVEFORM_BARS values, any scale); a flat line when there is none. */
function waveformBars(waveform) {
  const values = Array.isArray(waveform) && waveform.length ? waveform : new Array(48).fill(0);
  const peak = Math.max(1, ...values);
  return values.map((v) => {
    const bar = h("span", { class: "voice-bar" });
    bar.style.height = `${Math.max(10, Math.round((v / peak) * 100))}%`;
    return bar;
  });
}

// ----- recording -------------------------------------------------------------------------

const HOLD_MS = 350; // pressed longer than this: hold-to-record (release sends)
const CANCEL_DISTANCE_PX = 80; // sliding this far away while holding cancels
const MIN_RECORDING_MS = 600;
const TYPES = [["audio/webm;codecs=opus", "webm"], ["audio/ogg;codecs=opus", "ogg"], ["audio/webm", "webm"], ["audio/mp4", "m4a"]];

/**
 * The microphone button and the bar shown while recording. `onRecorded(file)` gets the voice
 * message as a File. Click to start and click again to send, or press and hold: release sends,
 * sliding away (or Esc) cancels.
 */
export function voiceRecorder({ onRecorded, onState = () => {} }) {
  const button = h("button", {
    type: "button", class: "icon-btn composer-mic", "data-testid": "composer-mic", title: t("voice.record"),
    "aria-label": t("voice.record"), "aria-pressed": "false",
  }, icon("mic", 20));
  const timer = h("span", { class: "rec-time", "data-testid": "rec-time" }, "0:00");
  const hint = h("span", { class: "rec-hint dim" });
  const cancelBtn = h("button", { type: "button", class: "btn small", "data-testid": "rec-cancel" }, t("action.cancel"));
  const sendBtn = h("button", { type: "button", class: "btn primary small", "data-testid": "rec-send" }, t("voice.send"));
  const bar = h("div", { class: "recording", hidden: true, "data-testid": "recording", role: "status" },
    h("span", { class: "rec-dot", "aria-hidden": "true" }), timer, hint, cancelBtn, sendBtn);

  let rec = null; // {recorder, stream, chunks, started, ext}
  let mode = "hold"; // or "click": how this recording ends
  let phase = "idle"; // idle | starting | recording
  let press = null; // {x, y, at, away}
  let ticker = null;
  let wanted = null; // what to do once a slow start has finished: "send" | "cancel"

  const setPhase = (next) => {
    phase = next;
    button.classList.toggle("rec-on", next !== "idle");
    button.setAttribute("aria-pressed", String(next !== "idle"));
    bar.hidden = next === "idle";
    onState(next !== "idle");
  };

  async function start(how) {
    if (phase !== "idle") return;
    mode = how;
    setPhase("starting");
    wanted = null;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const [type, ext] = TYPES.find(([candidate]) => MediaRecorder.isTypeSupported(candidate)) || ["", "webm"];
      const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const chunks = []; // the last piece arrives after stop(), when `rec` is already cleared
      rec = { recorder, stream, chunks, started: performance.now(), ext };
      recorder.addEventListener("dataavailable", (ev) => { if (ev.data.size) chunks.push(ev.data); });
      recorder.start(250);
      setPhase("recording");
      showHint();
      ticker = setInterval(() => { timer.textContent = formatDuration(performance.now() - rec.started); }, 200);
      if (wanted) finish(wanted === "send");
    } catch (err) {
      setPhase("idle");
      console.warn("no microphone", err);
      onRecorded(null, err.name === "NotAllowedError" ? "voice.denied" : "voice.unavailable");
    }
  }

  function showHint() {
    if (!rec) return;
    hint.textContent = mode === "hold" ? t(press && press.away ? "voice.release_cancel" : "voice.hold_hint") : t("voice.click_hint");
    bar.classList.toggle("will-cancel", Boolean(press && press.away));
  }

  function finish(send) {
    if (phase === "starting") {
      wanted = send ? "send" : "cancel";
      return;
    }
    if (phase !== "recording" || !rec) return;
    const { recorder, stream, chunks, started, ext } = rec;
    const length = performance.now() - started;
    rec = null;
    clearInterval(ticker);
    timer.textContent = "0:00";
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      if (!send) return;
      if (length < MIN_RECORDING_MS || !chunks.length) {
        onRecorded(null, "voice.too_short");
        return;
      }
      const type = (recorder.mimeType || "audio/webm").split(";")[0];
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
      onRecorded(new File(chunks, `voice-${stamp}.${ext}`, { type }), null);
    }, { once: true });
    recorder.stop();
    setPhase("idle");
  }

  button.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0 || button.disabled) return;
    ev.preventDefault();
    if (phase !== "idle") return; // the second click of click-to-record: handled on pointerup
    button.setPointerCapture(ev.pointerId);
    press = { x: ev.clientX, y: ev.clientY, at: performance.now(), away: false };
    start("hold");
  });
  button.addEventListener("pointermove", (ev) => {
    if (!press) return;
    const away = Math.hypot(ev.clientX - press.x, ev.clientY - press.y) > CANCEL_DISTANCE_PX;
    if (away !== press.away) {
      press.away = away;
      showHint();
    }
  });
  button.addEventListener("pointerup", () => {
    if (!press) {
      if (phase !== "idle") finish(true); // click-to-record: the second click sends
      return;
    }
    const held = performance.now() - press.at >= HOLD_MS;
    const away = press.away;
    press = null;
    if (away) finish(false);
    else if (held) finish(true);
    else {
      mode = "click"; // a click: keep recording until the next one
      showHint();
    }
  });
  button.addEventListener("pointercancel", () => {
    if (press) finish(false);
    press = null;
  });
  // Keyboard (Enter/Space): a click without a pointer toggles click-to-record.
  button.addEventListener("click", (ev) => {
    if (ev.detail !== 0) return;
    if (phase === "idle") start("click");
    else finish(true);
  });
  button.addEventListener("contextmenu", (ev) => ev.preventDefault()); // a long press on a touch screen
  cancelBtn.addEventListener("click", () => finish(false));
  sendBtn.addEventListener("click", () => finish(true));
  const onKey = (ev) => {
    if (ev.key === "Escape" && phase !== "idle") {
      ev.preventDefault();
      press = null;
      finish(false);
    }
  };
  document.addEventListener("keydown", onKey, true);
  const stop = () => {
    document.removeEventListener("keydown", onKey, true);
    if (phase !== "idle") finish(false);
  };
  return { button, bar, stop };
}
