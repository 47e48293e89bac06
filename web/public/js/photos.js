// Photos from the tablet camera: large shots are scaled down once, before they are queued, so the
// stored Blob (and so its sha256) never changes between retries.
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
