// Files in the composer (docs/web.md "Files"): the attach button, dropping files on the
// conversation (an overlay says where they go), pasting a screenshot, and the tray of pending
// files — one row per file with its progress bar, "resuming", its error, cancel and retry.
// Every file uploads at once (core/uploads.js); the message that carries them is sent only when
// all are finished, through the outbox like any other (so the retry and idempotency rules hold).
// A voice message (ui/voice.js) uploads in the same tray and sends itself when it is done.

import { errorText, t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { FileUpload, UPLOAD } from "../core/uploads.js";
import { conversationTitle } from "./names.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { toast } from "./dialogs.js";
import { formatBytes } from "./attachments.js";
import { voiceRecorder } from "./voice.js";

export const MAX_ATTACHMENTS = 10;

/**
 * `dropTarget`: the element files may be dropped on (the conversation, or the thread panel).
 * `onReady()`: every file of a pending send is finished. `sendVoice(info)`: a voice message is uploaded.
 */
export function composerFiles({ convId, dropTarget, onReady, sendVoice, onRecording }) {
  const uploads = []; // FileUpload, in the order added (the caption's files; voice ones are separate)
  let waiting = false; // Send was pressed while files were still uploading
  const list = h("ul", { class: "tray-list" });
  const note = h("p", { class: "tray-note", role: "status", "data-testid": "tray-note" });
  const tray = h("div", { class: "tray", hidden: true, "data-testid": "upload-tray", "aria-label": t("files.tray") }, list, note);
  const picker = h("input", { type: "file", multiple: true, hidden: true, "data-testid": "file-input", tabindex: "-1" });
  const attach = h("button", {
    type: "button", class: "icon-btn composer-attach", "data-testid": "composer-attach", title: t("files.attach"),
    "aria-label": t("files.attach"), onclick: () => picker.click(),
  }, icon("paperclip", 20));
  picker.addEventListener("change", () => {
    add([...picker.files]);
    picker.value = "";
  });
  const recorder = voiceRecorder({
    onRecorded: (file, problem) => (file ? addVoice(file) : problem && toast(t(problem), "error")),
    onState: (recording) => onRecording(recording),
  });

  function add(files, { pasted = false } = {}) {
    const room = MAX_ATTACHMENTS - uploads.filter((u) => u.state !== UPLOAD.CANCELLED).length;
    if (files.length > room) toast(t("files.too_many", { n: MAX_ATTACHMENTS }), "error");
    for (const raw of files.slice(0, Math.max(0, room))) {
      const file = pasted ? renamePasted(raw) : raw;
      const upload = new FileUpload(convId, file, { onChange: () => changed(upload) });
      upload.row = trayRow(upload);
      uploads.push(upload);
      list.append(upload.row.el);
      upload.start();
    }
    draw();
  }

  function addVoice(file) {
    const upload = new FileUpload(convId, file, { voice: true, onChange: () => changed(upload) });
    upload.row = trayRow(upload);
    list.append(upload.row.el);
    tray.hidden = false;
    upload.start().then((info) => {
      if (!info) return; // the row shows why
      upload.row.dispose();
      draw();
      sendVoice(info);
    });
  }

  function changed(upload) {
    upload.row.update();
    if (upload.state === UPLOAD.CANCELLED) {
      if (!upload.voice) uploads.splice(uploads.indexOf(upload), 1);
    }
    draw();
  }

  function draw() {
    tray.hidden = !list.childElementCount;
    const failed = uploads.some((u) => u.state === UPLOAD.FAILED);
    if (waiting && failed) waiting = false;
    note.textContent = waiting ? t("files.send_when_done") : "";
    if (waiting && ready()) {
      waiting = false;
      queueMicrotask(onReady);
    }
  }

  /** True when there are files and every one of them is finished. */
  function ready() {
    return uploads.length > 0 && uploads.every((u) => u.state === UPLOAD.DONE);
  }

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
    tray, picker, attach, mic: recorder.button, recordingBar: recorder.bar, paste,
    /** Whether the composer has files (so an empty caption may still send). */
    hasFiles: () => uploads.length > 0,
    /** Files not finished yet: sending waits for them (and says so). */
    busy: () => uploads.length > 0 && !ready(),
    waitThenSend() {
      if (uploads.some((u) => u.state === UPLOAD.FAILED)) {
        toast(t("files.fix_failed"), "error");
        return;
      }
      waiting = true;
      draw();
    },
    /** The finished files' FileInfo, emptying the tray (the message is being sent). */
    take() {
      const infos = uploads.map((u) => u.info);
      for (const u of uploads) u.row.dispose();
      uploads.length = 0;
      draw();
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
      // Leaving the conversation stops the transfers but keeps them on the server: attaching the
      // same files again continues where they stopped.
      for (const u of [...uploads]) u.pause();
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
