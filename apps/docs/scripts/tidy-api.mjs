#!/usr/bin/env node
// Post-processes typedoc's markdown in docs/api for VitePress.
//
// With several entry points per package (core has index, testing, shared) typedoc writes one folder per module,
// and the main module's folder is called `index/`. VitePress's router treats a path segment `index/` like the
// folder itself, so /api/@rcu/core/index/ would render @rcu/core/index.md and break hydration and relative
// links. This renames every module folder `index/` to `main/`, rewrites link targets to match, and titles each
// module by its import specifier (`@rcu/core`, `@rcu/core/testing`) instead of its file name.
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const apiDir = fileURLToPath(new URL("../docs/api", import.meta.url));
const scopeDir = join(apiDir, "@rcu");
if (!existsSync(scopeDir)) {
  console.error(`tidy-api: ${scopeDir} not found (did typedoc run?)`);
  process.exit(1);
}

const labels = new Map(); // module label in breadcrumbs/headings -> import specifier, per package
let renamed = 0;
for (const pkg of readdirSync(scopeDir)) {
  const pkgDir = join(scopeDir, pkg);
  const indexDir = join(pkgDir, "index");
  if (existsSync(indexDir) && statSync(indexDir).isDirectory()) {
    renameSync(indexDir, join(pkgDir, "main"));
    renamed++;
  }
  for (const mod of readdirSync(pkgDir)) {
    const modIndex = join(pkgDir, mod, "index.md");
    if (!["main", "testing", "shared"].includes(mod) || !existsSync(modIndex)) continue;
    labels.set(`${pkg}/${mod}`, mod === "main" ? `@rcu/${pkg}` : `@rcu/${pkg}/${mod}`);
  }
}

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : name.endsWith(".md") ? [full] : [];
  });

let edited = 0;
for (const file of walk(apiDir)) {
  const before = readFileSync(file, "utf8");
  // link targets: a path segment `index/` is always the renamed module folder (files are `index.md`)
  let text = before.replace(/\]\(([^)\s]*)\)/g, (_, target) => `](${target.replace(/(^|\/)index\//g, "$1main/")})`);
  const rel = file.slice(scopeDir.length + 1).split("/");
  const [pkg] = rel;
  for (const [key, spec] of labels) {
    const [p, mod] = key.split("/");
    if (p !== pkg) continue;
    const name = mod === "main" ? "index" : mod;
    // the package page's module list and every breadcrumb naming this module
    text = text.replace(new RegExp(`\\[${name}\\]\\(((?:\\.\\./)*)(${mod}/)?index\\.md\\)`, "g"), (m, up, dir) =>
      rel.length === 2 || rel[1] === mod ? `[${spec}](${up}${dir ?? ""}index.md)` : m,
    );
    if (rel.length === 3 && rel[1] === mod)
      text = text
        .replace(new RegExp(`^# ${name}$`, "m"), `# ${spec}`)
        .replace(new RegExp(` / ${name}$`, "m"), ` / ${spec}`);
  }
  if (text !== before) {
    writeFileSync(file, text);
    edited++;
  }
}
console.log(`tidy-api: renamed ${renamed} module folder(s) index/ → main/, edited ${edited} file(s)`);
