// Copies the pinned front-end packages the app needs into public/vendor/ so the server
// serves every asset itself (no CDN). Run with `npm ci && npm run build`.
import { cpSync, mkdirSync, rmSync, existsSync, writeFileSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const vendor = join(here, "public", "vendor");

// package name -> files (relative to the package's dist/) to copy into vendor/<name>/
const assets = {
  leaflet: ["leaflet.js", "leaflet.css", "images"],
  echarts: ["echarts.min.js"],
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

// The app shell the service worker precaches: every file under public/ except the worker itself
// and what only the analytics page uses (ECharts is large and the tablet never draws a chart).
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
  .filter((f) => !f.startsWith("/vendor/echarts/"))
  .sort();
writeFileSync(join(vendor, "shell.json"), JSON.stringify({ files: ["/", ...files] }, null, 2) + "\n");
console.log(`shell: ${files.length + 1} files for the service worker to precache`);

// The module preload list in index.html: every module app.js reaches by static imports, so the
// browser fetches the graph in one round instead of import by import. Written between markers;
// the browser tests check that the committed list matches this graph.
export function moduleGraph(root, entry) {
  const seen = new Set();
  const visit = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    const src = readFileSync(join(root, url), "utf8");
    const re = /^\s*(?:import|export)\s+(?:[^"';]*?\sfrom\s+)?["'](\.{1,2}\/[^"']+)["']/gm;
    for (const m of src.matchAll(re)) visit(posix.join(posix.dirname(url), m[1]));
  };
  visit(entry);
  return [...seen].sort();
}
const START = "<!-- modulepreload: written by build.mjs -->";
const END = "<!-- /modulepreload -->";
const indexPath = join(publicDir, "index.html");
const html = readFileSync(indexPath, "utf8");
const a = html.indexOf(START);
const b = html.indexOf(END);
if (a < 0 || b < a) throw new Error(`index.html: missing ${START} ... ${END}`);
const links = moduleGraph(publicDir, "/js/app.js").map((u) => `  <link rel="modulepreload" href="${u}">`);
const next = html.slice(0, a) + START + "\n" + links.join("\n") + "\n  " + html.slice(b);
if (next !== html) writeFileSync(indexPath, next);
console.log(`modulepreload: ${links.length} modules${next !== html ? " (index.html updated)" : ""}`);
