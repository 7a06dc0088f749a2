// unroll/no-cross-package-paths: a relative path that leaves the package it is written in.
// Another package is reached by its name and its `exports`; the folders shared by path (prisma/,
// examples/, the dashboard's serve script) through @unroll/layout, the one resolver. Checked:
// import/export sources, import(), require(), and `new URL("...", import.meta.url)`.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";

const roots = new Map();

/** The nearest folder at or above `dir` with a package.json. */
function packageRoot(dir) {
  if (roots.has(dir)) return roots.get(dir);
  const parent = dirname(dir);
  const root = existsSync(join(dir, "package.json")) || parent === dir ? dir : packageRoot(parent);
  roots.set(dir, root);
  return root;
}

/** The literal text of a path, or its leading static part (up to the last `/`) for a template. */
function staticPath(node) {
  if (node?.type === "Literal" && typeof node.value === "string") return node.value;
  if (node?.type === "TemplateLiteral") {
    const head = node.quasis[0]?.value.cooked ?? "";
    return node.expressions.length === 0 ? head : head.slice(0, head.lastIndexOf("/") + 1);
  }
  return undefined;
}

function packageName(root) {
  try {
    return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name ?? root;
  } catch {
    return root;
  }
}

const isImportMetaUrl = (node) =>
  node?.type === "MemberExpression" && node.object.type === "MetaProperty" && node.object.meta.name === "import" && node.property.name === "url";

export default {
  meta: {
    type: "problem",
    docs: { description: "disallow relative paths that leave the package they are written in" },
    messages: {
      leaves:
        "{{path}} leaves {{pkg}}: import the other package by its name (its package.json exports), or find shared folders (prisma/, examples/, the dashboard's serve script) through @unroll/layout",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    if (!isAbsolute(file)) return {};
    const here = dirname(file);
    const pkg = packageRoot(here);
    const check = (node, path) => {
      if (path === undefined || !(path.startsWith("./") || path.startsWith("../") || path === "..")) return;
      const rel = relative(pkg, resolve(here, path));
      if (rel === ".." || rel.startsWith(`..${"/"}`) || isAbsolute(rel)) {
        context.report({ node, messageId: "leaves", data: { path: JSON.stringify(path), pkg: packageName(pkg) } });
      }
    };
    const source = (node) => node.source && check(node.source, staticPath(node.source));
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: source,
      CallExpression(node) {
        if (node.callee.type === "Identifier" && node.callee.name === "require") check(node.arguments[0], staticPath(node.arguments[0]));
      },
      NewExpression(node) {
        if (node.callee.type === "Identifier" && node.callee.name === "URL" && isImportMetaUrl(node.arguments[1]))
          check(node.arguments[0], staticPath(node.arguments[0]));
      },
    };
  },
};
