// Files in the composer (docs/web.md "Files"): the attach button, dropping files on the
// conversation (an overlay says where they go), pasting a screenshot, and the tray of pending
// files — one row per file with its progress bar, "resuming", its error, cancel and retry.
// Every file uploads at once (core/uploads.js); the message that carries them is sent only when
// all are finished, through the outbox like any other (so the retry and idempotency rules hold).
// A voice message (ui/voice.js) uploads in the same tray and sends itself when it is done.
// Leaving the conversation does not stop the uploads: the tray is kept (below) and shown again.

import { errorText, t } from "../core/i18n.js";
import { engine } from "../core/engine.js";
import { on, state } from "../core/store.js";
import { FileUpload, UPLOAD, forgetUnfinished, unfinishedUploads } from "../core/uploads.js";
import { api } from "../core/engine.js";
import { seg } from "../core/api.js";
import { conversationTitle } from "./names.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { toast } from "./dialogs.js";
import { formatBytes } from "./attachments.js";
import { voiceRecorder } from "./voice.js";

export const MAX_ATTACHMENTS = 10;

// The tray of each composer (conversation, or thread) lives on while the user is elsewhere: its
// uploads keep going, and it is there again, with its rows, when the composer comes back (another
// conversation opened meanwhile, or the language switched, which rebuilds the screen).
const trays = new Map(); // "conv|root" -> Tray

on("signed-out", () => {
  for (const kept of trays.values()) kept.stop();
  trays.clear();
});

class Tray {
  constructor(convId, replyTo) {
    Object.assign(this, { convId, replyTo });
    this.uploads = []; // FileUpload of the next message, in the order added (voice messages are not here)
    this.voices = 0; // voice messages still uploading (they send themselves)
    this.waiting = false; // Send was pressed while files were still uploading
    this.onReady = null; // the composer on screen: sends when everything is finished
    this.list = h("ul", { class: "tray-list" });
    this.note = h("p", { class: "tray-note", role: "status", "data-testid": "tray-note" });
    this.el = h("div", { class: "tray", hidden: true, "data-testid": "upload-tray", "aria-label": t("files.tray") }, this.list, this.note);
    this.unfinished = new Map(); // "name|size" -> the row offering to continue it
    if (!replyTo) this.offerUnfinished();
  }

  /** After a reload: the uploads left half-way here, with where they stand; picking the file again continues it. */
  async offerUnfinished() {
    for (const entry of unfinishedUploads(this.convId)) {
      let upload;
      try {
        upload = await api.get(`/uploads/${seg(entry.id)}`);
      } catch (err) {
        if (!err.transient) forgetUnfinished(entry, { cancel: false }); // expired or gone
        continue;
      }
      if (upload.file) continue; // finished: nothing to offer
      const offer = `${entry.name}|${entry.size}`;
      const row = unfinishedRow(entry, upload, {
        choose: () => this.choose(),
        drop: () => {
          forgetUnfinished(entry);
          this.withdraw(offer);
        },
      });
      this.unfinished.set(offer, row);
      this.list.append(row);
      this.draw();
    }
  }

  withdraw(offer) {
    const row = this.unfinished.get(offer);
    if (!row) return;
    row.remove();
    this.unfinished.delete(offer);
    this.draw();
  }

  add(files, { pasted = false } = {}) {
    for (const file of files) this.withdraw(`${file.name}|${file.size}`); // picked again: it continues below
    const room = MAX_ATTACHMENTS - this.uploads.length;
    if (files.length > room) toast(t("files.too_many", { n: MAX_ATTACHMENTS }), "error");
    for (const raw of files.slice(0, Math.max(0, room))) {
      const upload = this.track(new FileUpload(this.convId, pasted ? renamePasted(raw) : raw, { onChange: () => this.changed(upload) }));
      this.uploads.push(upload);
      upload.start();
    }
    this.draw();
  }

  /** A recorded voice message: uploaded, then sent as a message of its own (even if the composer is gone). */
  addVoice(file) {
    const upload = this.track(new FileUpload(this.convId, file, { voice: true, onChange: () => this.changed(upload) }));
    this.voices += 1;
    this.draw();
    upload.start().then((info) => {
      this.voices -= 1;
      if (!info) return; // the row shows why (or it was cancelled)
      upload.row.dispose();
      this.draw();
      engine.outbox.add(this.convId, "", this.replyTo, [info]);
    });
  }

  track(upload) {
    upload.row = trayRow(upload);
    this.list.append(upload.row.el);
    return upload;
  }

  changed(upload) {
    upload.row.update();
    if (upload.state === UPLOAD.CANCELLED && !upload.voice) this.uploads.splice(this.uploads.indexOf(upload), 1);
    this.draw();
  }

  draw() {
    this.el.hidden = !this.list.childElementCount;
    if (this.waiting && this.uploads.some((u) => u.state === UPLOAD.FAILED)) this.waiting = false;
    this.note.textContent = this.waiting ? t("files.send_when_done") : "";
    if (this.waiting && this.ready() && this.onReady) {
      this.waiting = false;
      queueMicrotask(this.onReady);
    }
  }

  /** True when there are files and every one of them is finished. */
  ready() {
    return this.uploads.length > 0 && this.uploads.every((u) => u.state === UPLOAD.DONE);
  }

  /** Nothing left to show: the tray may be forgotten. */
  idle() {
    return !this.uploads.length && !this.voices;
  }

  /** Signed out: the transfers stop (the server keeps them; picking the files again continues them). */
  stop() {
    for (const u of [...this.uploads]) u.pause();
  }
}

/**
 * The composer's file controls. `dropTarget`: the element files may be dropped on (the conversation,
 * or the thread panel). `onReady()`: every file of a pending send is finished.
 */
export function composerFiles({ convId, replyTo, dropTarget, onReady, onRecording }) {
  const key = `${convId}|${replyTo || ""}`;
  if (!trays.has(key)) trays.set(key, new Tray(convId, replyTo));
  const tray = trays.get(key);
  tray.onReady = onReady;
  tray.choose = () => picker.click();
  const picker = h("input", { type: "file", multiple: true, hidden: true, "data-testid": "file-input", tabindex: "-1" });
  const attach = h("button", {
    type: "button", class: "icon-btn composer-attach", "data-testid": "composer-attach", title: t("files.attach"),
    "aria-label": t("files.attach"), onclick: () => picker.click(),
  }, icon("paperclip", 20));
  picker.addEventListener("change", () => {
    add([...picker.files]);
    picker.value = "";
  });
  const add = (files, options) => tray.add(files, options);
  const recorder = voiceRecorder({
    onRecorded: (file, problem) => (file ? tray.addVoice(file) : problem && toast(t(problem), "error")),
    onState: (recording) => onRecording(recording),
  });
  queueMicrotask(() => tray.draw()); // a send that waited while the composer was away goes now

  // ----- drop and paste ------------------------------------------------------------------------

  const overlay = h("div", { class: "drop-zone", hidden: true, "data-testid": "drop-zone" },
    h("div", { class: "drop-zone-box" }, icon("paperclip", 28),
      h("p", null, t("files.drop_here", { name: conversationTitle(state.conversations.get(convId) || {}) }))));
  let depth = 0;
  const carriesFiles = (ev) => Boolean(ev.dataTransfer) && [...ev.dataTransfer.types].includes("Files");
  const onEnter = (ev) => {
    if (!carriesFiles(ev) || attach.disabled) return;
    ev.preventDefault();
    depth += 1;
    overlay.hidden = false;
  };
  const onOver = (ev) => {
    if (!carriesFiles(ev) || attach.disabled) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "copy";
  };
  const onLeave = (ev) => {
    if (!carriesFiles(ev)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  };
  const onDrop = (ev) => {
    if (!carriesFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    overlay.hidden = true;
    if (!attach.disabled) add([...ev.dataTransfer.files]);
  };
  if (dropTarget) {
    dropTarget.append(overlay);
    dropTarget.addEventListener("dragenter", onEnter);
    dropTarget.addEventListener("dragover", onOver);
    dropTarget.addEventListener("dragleave", onLeave);
    dropTarget.addEventListener("drop", onDrop);
  }

  /** A paste that carries files (a screenshot) adds them; text pastes as usual. */
  function paste(ev) {
    const files = [...((ev.clipboardData && ev.clipboardData.files) || [])];
    if (!files.length || attach.disabled) return;
    ev.preventDefault();
    add(files, { pasted: true });
  }

  return {
    tray: tray.el, picker, attach, mic: recorder.button, recordingBar: recorder.bar, paste,
    /** Whether the composer has files (so an empty caption may still send). */
    hasFiles: () => tray.uploads.length > 0,
    /** Files not finished yet: sending waits for them (and says so). */
    busy: () => tray.uploads.length > 0 && !tray.ready(),
    waitThenSend() {
      if (tray.uploads.some((u) => u.state === UPLOAD.FAILED)) {
        toast(t("files.fix_failed"), "error");
        return;
      }
      tray.waiting = true;
      tray.draw();
    },
    /** The finished files' FileInfo, emptying the tray (the message is being sent). */
    take() {
      const infos = tray.uploads.map((u) => u.info);
      for (const u of tray.uploads) u.row.dispose();
      tray.uploads.length = 0;
      tray.draw();
      return infos;
    },
    /** `on`: the files module is on (else the buttons are hidden); `allowed`: the user may post here. */
    setAvailable(on, allowed) {
      attach.hidden = !on;
      recorder.button.hidden = !on;
      attach.disabled = !on || !allowed;
      recorder.button.disabled = !on || !allowed;
    },
    destroy() {
      recorder.stop();
      if (tray.onReady === onReady) tray.onReady = null;
      if (tray.idle()) trays.delete(key);
      if (dropTarget) {
        overlay.remove();
        dropTarget.removeEventListener("dragenter", onEnter);
        dropTarget.removeEventListener("dragover", onOver);
        dropTarget.removeEventListener("dragleave", onLeave);
        dropTarget.removeEventListener("drop", onDrop);
      }
    },
  };
}

/** An upload left unfinished before a reload: where it stands, and how to continue it. */
function unfinishedRow(entry, upload, { choose, drop }) {
  const pct = Math.floor((upload.offset / Math.max(1, upload.size)) * 100);
  return h("li", { class: "tray-item unfinished", "data-testid": "upload-unfinished", "data-name": entry.name },
    h("span", { class: "tray-thumb icon" }, icon("file", 18)),
    h("div", { class: "tray-main" },
      h("div", { class: "tray-line" }, h("span", { class: "tray-name", title: entry.name }, entry.name),
        h("span", { class: "dim tray-size" }, formatBytes(entry.size))),
      h("progress", { class: "tray-progress", max: String(Math.max(1, upload.size)), value: String(upload.offset) }),
      h("div", { class: "tray-line" }, h("span", { class: "tray-status" }, t("files.unfinished", { pct })),
        h("button", { type: "button", class: "link", "data-testid": "upload-choose-again", onclick: choose }, t("files.choose_again")))),
    h("button", { type: "button", class: "icon-btn small", "data-testid": "upload-forget", title: t("files.forget_upload"),
      "aria-label": t("files.forget_named", { name: entry.name }), onclick: drop }, icon("close", 14)));
}

/** One file in the tray: a preview or an icon, the name, the bar, what is happening, cancel/retry. */
function trayRow(upload) {
  const bar = h("progress", { class: "tray-progress", max: String(Math.max(1, upload.size)), value: "0", "data-testid": "upload-progress" });
  const status = h("span", { class: "tray-status", "data-testid": "upload-status" });
  const cancel = h("button", {
    type: "button", class: "icon-btn small", "data-testid": "upload-cancel", title: t("files.cancel_upload"),
    "aria-label": t("files.cancel_named", { name: upload.name }), onclick: () => upload.cancel(),
  }, icon("close", 14));
  const retry = h("button", { type: "button", class: "link", hidden: true, "data-testid": "upload-retry", onclick: () => upload.retry() }, t("action.retry"));
  const preview = upload.file.type.startsWith("image/") && upload.size < 20 * 1024 * 1024
    ? h("img", { class: "tray-thumb", alt: "", src: URL.createObjectURL(upload.file) })
    : h("span", { class: "tray-thumb icon" }, icon(upload.voice ? "mic" : "file", 18));
  const el = h("li", { class: "tray-item", "data-testid": "upload-item", "data-name": upload.name },
    preview,
    h("div", { class: "tray-main" },
      h("div", { class: "tray-line" }, h("span", { class: "tray-name", title: upload.name }, upload.voice ? t("voice.message") : upload.name),
        h("span", { class: "dim tray-size" }, formatBytes(upload.size))),
      bar, h("div", { class: "tray-line" }, status, retry)),
    cancel);
  const update = () => {
    el.dataset.state = upload.state;
    el.dataset.resumed = upload.resumed ? "true" : "false";
    bar.value = upload.sent;
    const pct = Math.floor((upload.sent / Math.max(1, upload.size)) * 100);
    status.classList.toggle("error", upload.state === UPLOAD.FAILED);
    status.textContent = statusText(upload, pct);
    retry.hidden = upload.state !== UPLOAD.FAILED || upload.error?.code === "file_too_large";
    cancel.hidden = upload.state === UPLOAD.DONE && upload.voice;
    cancel.title = upload.state === UPLOAD.DONE ? t("files.remove") : t("files.cancel_upload");
    if (upload.state === UPLOAD.CANCELLED) dispose();
  };
  const dispose = () => {
    if (preview.tagName === "IMG") URL.revokeObjectURL(preview.src);
    el.remove();
  };
  update();
  return { el, update, dispose };
}

function statusText(upload, pct) {
  if (upload.state === UPLOAD.FAILED) return uploadError(upload.error);
  if (upload.state === UPLOAD.DONE) return t("files.ready");
  if (upload.state === UPLOAD.QUEUED) return t("files.waiting");
  return upload.resumed ? t("files.resuming", { pct }) : t("files.uploading", { pct });
}

/** The sentence for a refused upload: the limit in the user's units for a file too large. */
export function uploadError(error) {
  if (!error) return "";
  if (error.code === "file_too_large") return t("files.too_large", { limit: formatBytes(error.details.limit) });
  if (error.code === "quota_exceeded") return t("files.quota_exceeded");
  if (error.code === "network") return t("files.network");
  return errorText(error);
}

/** A pasted screenshot is called "image.png": give it a name that says when it was taken. */
function renamePasted(file) {
  if (file.name && file.name !== "image.png") return file;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  const ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
  return new File([file], `screenshot-${stamp}.${ext}`, { type: file.type, lastModified: file.lastModified });
}
