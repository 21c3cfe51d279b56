// Choosing an avatar: pick an image file, frame the square that will be used (drag to move,
// the slider or the wheel to zoom, arrow keys too), and upload what the square shows. The crop
// is drawn on a canvas in the browser and sent as PNG; the server re-encodes it anyway
// (PUT /me/avatar validates the type and size and strips metadata).

import { api } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { emit, state } from "../core/store.js";
import { h } from "./dom.js";
import { modal, toast, toastError } from "./dialogs.js";

const VIEW = 256; // the crop square on screen, in CSS pixels
const OUTPUT = 512; // the uploaded square
const MAX_ZOOM = 4;

/** Open the file chooser, then the crop dialog for the chosen image. */
export function chooseAvatar() {
  const input = h("input", { type: "file", accept: "image/png,image/jpeg,image/webp,image/gif", hidden: true, "data-testid": "avatar-file" });
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    input.remove();
    if (file) cropAvatar(file);
  });
  document.body.append(input);
  input.click();
}

/** The crop dialog for `file` (a File or Blob). */
export async function cropAvatar(file) {
  const url = URL.createObjectURL(file);
  let image;
  try {
    image = await loadImage(url);
  } catch {
    URL.revokeObjectURL(url);
    toast(t("error.invalid_image"), "error");
    return;
  }
  const crop = new Crop(image);
  const canvas = h("canvas", { class: "avatar-crop", width: VIEW, height: VIEW, tabindex: "0", "data-testid": "avatar-crop", "aria-label": t("avatar.crop_hint") });
  const zoom = h("input", { type: "range", min: 1, max: MAX_ZOOM, step: 0.01, value: 1, "data-testid": "avatar-zoom", "aria-label": t("avatar.zoom") });
  const save = h("button", { type: "button", class: "btn primary", "data-testid": "avatar-save" }, t("action.save"));
  const draw = () => crop.draw(canvas.getContext("2d"), VIEW);
  zoom.addEventListener("input", () => { crop.zoomTo(Number(zoom.value)); draw(); });
  canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    crop.zoomTo(crop.zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1));
    zoom.value = String(crop.zoom);
    draw();
  }, { passive: false });
  dragging(canvas, (dx, dy) => { crop.move(dx, dy); draw(); });
  canvas.addEventListener("keydown", (ev) => {
    const step = { ArrowLeft: [8, 0], ArrowRight: [-8, 0], ArrowUp: [0, 8], ArrowDown: [0, -8] }[ev.key];
    if (!step) return;
    ev.preventDefault();
    crop.move(...step);
    draw();
  });
  const { close } = modal(t("avatar.title"), h("div", { class: "stack avatar-editor" },
    h("p", { class: "dim" }, t("avatar.crop_hint")), canvas,
    h("label", null, t("avatar.zoom"), zoom),
    h("div", { class: "row end" }, h("button", { type: "button", class: "btn", onclick: () => close() }, t("action.cancel")), save)),
  { testid: "avatar-dialog", onClose: () => URL.revokeObjectURL(url) });
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const out = h("canvas", { width: OUTPUT, height: OUTPUT });
      crop.draw(out.getContext("2d"), OUTPUT);
      const blob = await new Promise((resolve) => out.toBlob(resolve, "image/png"));
      applyProfile(await api.putBytes("/me/avatar", blob));
      close();
      toast(t("avatar.saved"));
    } catch (err) {
      save.disabled = false;
      toastError(err);
    }
  });
  draw();
  canvas.focus();
}

export async function removeAvatar() {
  try {
    applyProfile(await api.del("/me/avatar"));
  } catch (err) {
    toastError(err);
  }
}

function applyProfile(user) {
  Object.assign(state.session.user, user);
  state.users.set(user.id, { ...state.users.get(user.id), ...user });
  emit("session");
  emit("users");
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = url;
  });
}

/** Pointer drags on `el` as movements in CSS pixels. */
function dragging(el, onMove) {
  let last = null;
  el.addEventListener("pointerdown", (ev) => {
    last = [ev.clientX, ev.clientY];
    el.setPointerCapture(ev.pointerId);
  });
  el.addEventListener("pointermove", (ev) => {
    if (!last) return;
    onMove(ev.clientX - last[0], ev.clientY - last[1]);
    last = [ev.clientX, ev.clientY];
  });
  const end = () => { last = null; };
  el.addEventListener("pointerup", end);
  el.addEventListener("pointercancel", end);
}

/**
 * Which square of the image is shown: at zoom 1 the image's short side fills the square;
 * (x, y) is the square's centre in image pixels, kept so that the square never leaves the image.
 */
class Crop {
  constructor(image) {
    this.image = image;
    this.zoom = 1;
    this.x = image.naturalWidth / 2;
    this.y = image.naturalHeight / 2;
  }

  /** The side of the square in image pixels. */
  get side() {
    return Math.min(this.image.naturalWidth, this.image.naturalHeight) / this.zoom;
  }

  zoomTo(zoom) {
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, zoom));
    this.clamp();
  }

  /** Drag by (dx, dy) screen pixels: the image follows the pointer. */
  move(dx, dy) {
    const scale = this.side / VIEW;
    this.x -= dx * scale;
    this.y -= dy * scale;
    this.clamp();
  }

  clamp() {
    const half = this.side / 2;
    this.x = Math.min(this.image.naturalWidth - half, Math.max(half, this.x));
    this.y = Math.min(this.image.naturalHeight - half, Math.max(half, this.y));
  }

  draw(ctx, size) {
    const side = this.side;
    ctx.clearRect(0, 0, size, size);
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(this.image, this.x - side / 2, this.y - side / 2, side, side, 0, 0, size, size);
  }
}
