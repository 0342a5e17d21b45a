// Builds the vendored browser libraries into static/js/vendor/ (run `npm ci && npm run build` here).
import { build } from "esbuild";
import { copyFileSync, readFileSync } from "node:fs";

const out = new URL("../../static/js/vendor/", import.meta.url).pathname;
const version = (name) => JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")).version;
const common = {
  bundle: true, minify: true, format: "iife", target: "es2019", legalComments: "none",
  // Workbox strips its development logging and assertions in production builds.
  define: { "process.env.NODE_ENV": '"production"' },
};

await build({ ...common, entryPoints: ["src/workbox.js"], globalName: "workbox", outfile: `${out}workbox.js`,
  banner: { js: `/* Workbox ${version("workbox-core")} (routing, strategies, expiration), MIT, see workbox.LICENSE */` } });
await build({ ...common, entryPoints: ["src/idb.js"], globalName: "idb", outfile: `${out}idb.js`,
  banner: { js: `/* idb ${version("idb")}, ISC, see idb.LICENSE */` } });
copyFileSync("node_modules/workbox-core/LICENSE", `${out}workbox.LICENSE`);
copyFileSync("node_modules/idb/LICENSE", `${out}idb.LICENSE`);
