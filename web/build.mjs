// Copies the pinned front-end packages the app needs into public/vendor/ so the server
// serves every asset itself (no CDN). Run with `npm ci && npm run build`.
import { cpSync, mkdirSync, rmSync, existsSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const vendor = join(here, "public", "vendor");

// package name -> files (relative to the package's dist/) to copy into vendor/<name>/
const assets = {
  leaflet: ["leaflet.js", "leaflet.css", "images"],
};

rmSync(vendor, { recursive: true, force: true });
const versions = {};
for (const [name, files] of Object.entries(assets)) {
  const pkgJson = require.resolve(`${name}/package.json`);
  const pkgDir = dirname(pkgJson);
  const dist = join(pkgDir, "dist");
  const out = join(vendor, name);
  mkdirSync(out, { recursive: true });
  for (const f of files) {
    const src = join(dist, f);
    if (!existsSync(src)) throw new Error(`${name}: missing ${src}; is the pinned version installed?`);
    cpSync(src, join(out, f), { recursive: true });
  }
  versions[name] = require(pkgJson).version;
}
// The service worker reads this to version its cache, so a new build invalidates old shells.
writeFileSync(join(vendor, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
console.log("vendored:", Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(", "));

// The app shell the service worker precaches: every file under public/ except the worker itself.
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const publicDir = join(here, "public");
const files = walk(publicDir)
  .map((p) => "/" + relative(publicDir, p).split(sep).join("/"))
  .filter((f) => f !== "/sw.js" && f !== "/vendor/shell.json" && f !== "/index.html")
  .sort();
writeFileSync(join(vendor, "shell.json"), JSON.stringify({ files: ["/", ...files] }, null, 2) + "\n");
console.log(`shell: ${files.length + 1} files for the service worker to precache`);
