// Photos from the tablet camera: large shots are scaled down once, before they are queued, so the
// stored Blob (and so its sha256) never changes between retries. The picker used by every form
// that takes photos (records, places, visits) lives here too.
import { h } from "./dom.js";
import { t } from "./i18n.js";

const MAX_BYTES = 1_500_000;
const MAX_SIDE = 1920;

export async function preparePhoto(file) {
  if (file.size <= MAX_BYTES || !globalThis.createImageBitmap) return file;
  try {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bmp.width * scale);
    canvas.height = Math.round(bmp.height * scale);
    canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file; // an image the browser cannot decode is still sent as taken
  }
}

/** The photo picker: camera capture, thumbnails, remove. Returns {el, files()}. */
export function photoPicker(initial = []) {
  const files = initial.slice();
  const list = h("div", { class: "thumbs" });
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, name: "photos" });
  const render = () => list.replaceChildren(...files.map((f, i) => {
    const url = URL.createObjectURL(f);
    return h("figure", { class: "thumb" },
      h("img", { src: url, alt: t("photo_n", { n: i + 1 }), onload: () => URL.revokeObjectURL(url) }),
      h("button", { type: "button", class: "icon-btn", "aria-label": t("remove_photo"),
        onclick: () => { files.splice(i, 1); render(); } }, "✕"));
  }));
  input.addEventListener("change", async () => {
    for (const f of input.files) files.push(await preparePhoto(f));
    input.value = "";
    render();
  });
  render();
  const pick = h("label", { class: "big photo-btn" }, t("add_photo"), input);
  return { el: h("div", { class: "field" }, h("span", { class: "label" }, t("photos")), pick, list), files: () => files.slice() };
}
