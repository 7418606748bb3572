// Builds web/dist from web/src: chat.js (the widget and Exit this page, one classic script), exit.js (the /exit page),
// chat.css (the widget's stylesheet for embedding) and page.css (the public page).
// Everything comes from node_modules: the page makes no request to any other host.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

await esbuild.build({
  entryPoints: { chat: join(here, "src", "chat.mjs"), exit: join(here, "src", "exit-page.mjs") },
  outdir: dist,
  bundle: true,
  format: "iife",
  target: ["es2020"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});

for (const name of ["page", "chat"]) {
  const result = sass.compile(join(here, "src", `${name}.scss`), {
    loadPaths: [join(here, "node_modules")],
    style: "compressed",
    quietDeps: true,
  });
  await writeFile(join(dist, `${name}.css`), result.css);
}
console.log("web/dist built: chat.js, exit.js, chat.css, page.css");
