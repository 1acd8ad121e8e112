/**
 * The real import graph of src/ and webview/: every import, export-from and dynamic import() of every .ts file,
 * parsed by the TypeScript compiler (not a regex) and resolved to a file the way the bundler resolves it
 * ('./x' → x.ts or x/index.ts, './x.js' → x.ts), so a folder-index import ('../core/decode') is an edge like any
 * other. Each edge says whether it is type-only (erased at build time: it loads no code).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../paths';

export interface ImportEdge {
  /** Repository-relative path of the importing file (forward slashes). */
  from: string;
  /** Repository-relative path of the imported file, or the bare specifier of a package ('vscode', 'node:fs'). */
  to: string;
  /** The specifier as written. */
  spec: string;
  /** Erased at build time (`import type`, or every imported name marked `type`). */
  typeOnly: boolean;
  /** Resolved to a file of ours (false for packages and Node built-ins). */
  internal: boolean;
}

const rel = (p: string) => relative(repoRoot, p).split('\\').join('/');

/** Every .ts file below the given repository-relative folders. */
export function sourceFiles(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(rel(p));
    }
  };
  for (const d of dirs) {
    const abs = join(repoRoot, d);
    if (!existsSync(abs)) continue;
    if (statSync(abs).isDirectory()) walk(abs);
    else out.push(rel(abs));
  }
  return out.sort();
}

function resolveSpec(fromFile: string, spec: string): { to: string; internal: boolean } {
  if (!spec.startsWith('.')) return { to: spec, internal: false };
  const base = resolve(repoRoot, dirname(fromFile), spec);
  const stem = base.replace(/\.(js|mjs|cjs)$/, '');
  for (const candidate of [base, `${stem}.ts`, join(stem, 'index.ts'), `${stem}.d.ts`]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return { to: rel(candidate), internal: true };
  }
  throw new Error(`${fromFile}: cannot resolve import '${spec}'`);
}

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean) => edges.push({ from: file, spec, typeOnly, ...resolveSpec(file, spec) });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      // `import { type A, type B } from` is erased too; `import {} from` / `import 'x'` runs the module.
      const allTypes = !!clause && !clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, !!clause && (clause.isTypeOnly || allTypes));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      const allTypes = !!named && named.length > 0 && named.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, node.isTypeOnly || allTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) add(expr.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) add(arg.text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The import graph of every .ts file below the given folders (and of every file they reach). */
export function importGraph(...dirs: string[]): ImportEdge[] {
  const seen = new Set<string>();
  const edges: ImportEdge[] = [];
  const queue = sourceFiles(...dirs);
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const e of importsOf(file)) {
      edges.push(e);
      if (e.internal && e.to.endsWith('.ts') && !seen.has(e.to)) queue.push(e.to);
    }
  }
  return edges;
}

/** Files reachable from the entry files through edges that pass the filter (e.g. code that really loads). */
export function reachable(edges: ImportEdge[], entries: string[], follow: (e: ImportEdge) => boolean = (e) => !e.typeOnly): Set<string> {
  const byFrom = new Map<string, ImportEdge[]>();
  for (const e of edges) byFrom.set(e.from, [...(byFrom.get(e.from) ?? []), e]);
  const out = new Set<string>(entries);
  const queue = [...entries];
  while (queue.length) {
    for (const e of byFrom.get(queue.pop()!) ?? []) {
      if (!follow(e) || out.has(e.to)) continue;
      out.add(e.to);
      if (e.internal) queue.push(e.to);
    }
  }
  return out;
}

/** The cycles of a directed graph, one per strongly connected component of more than one node (or a self-loop). */
export function cycles(nodes: Iterable<string>, edges: [string, string][]): string[][] {
  const next = new Map<string, string[]>();
  for (const n of nodes) next.set(n, []);
  for (const [a, b] of edges) {
    if (!next.has(a)) next.set(a, []);
    if (!next.has(b)) next.set(b, []);
    next.get(a)!.push(b);
  }
  // Tarjan's algorithm, iterative enough for a few hundred files.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!order.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)!.includes(v)) out.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!order.has(v)) strong(v);
  return out;
}
