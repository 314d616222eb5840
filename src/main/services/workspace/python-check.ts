import { execFile } from 'node:child_process';
import { WorkbenchError } from '../../../shared/errors.ts';
import { PythonDiagnostic } from '../../../shared/workspace.ts';

/**
 * The checker run by python3: compiles the source read from stdin (so no temp file and no
 * quoting), then checks the functions the runner calls. Prints one JSON list of diagnostics.
 * `compile` rather than `ast.parse` alone, because some errors ('return' outside a function)
 * are only found by the compiler.
 */
const CHECKER = String.raw`
import ast, json, sys
source = sys.stdin.buffer.read()
name = sys.argv[1]
out = []
def add(severity, message, line, col, end_line=None, end_col=None):
    line = max(1, line or 1)
    col = max(1, col or 1)
    out.append({"severity": severity, "message": message, "line": line, "column": col,
                "endLine": end_line or line, "endColumn": end_col or col + 1})
try:
    compile(source, name, "exec", dont_inherit=True)
    tree = ast.parse(source, name)
except SyntaxError as e:
    add("error", type(e).__name__ + ": " + str(e.msg), e.lineno, e.offset,
        getattr(e, "end_lineno", None), getattr(e, "end_offset", None))
    tree = None
except ValueError as e:
    add("error", str(e), 1, 1)
    tree = None
ARITY = {"map": (4, "map(key, dims, value, context)"),
         "reduce": (3, "reduce(key, values, context)"),
         "combine": (3, "combine(key, values, context)"),
         "setup_reduce": (1, "setup_reduce(context)")}
if tree is not None:
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in ARITY:
            found[node.name] = node
    if "map" not in found:
        add("error", "The script defines no top-level map(key, dims, value, context); the runner calls it for every record.", 1, 1)
    for fname, node in found.items():
        want, shape = ARITY[fname]
        a = node.args
        positional = len(a.posonlyargs) + len(a.args)
        required = positional - len(a.defaults)
        ok = required <= want and (positional >= want or a.vararg is not None)
        line, col = node.lineno, node.col_offset + 1
        if isinstance(node, ast.AsyncFunctionDef):
            add("error", fname + " must be a plain function, not async: the runner calls " + shape + ".", line, col, line, col + 9)
        elif not ok:
            add("error", fname + " takes " + str(positional) + " parameter" + ("" if positional == 1 else "s") +
                " but the runner calls " + shape + " with " + str(want) + ".", line, col, line, col + 4 + len(fname))
print(json.dumps(out))
`;

const TIMEOUT_MS = 15_000;

/** Syntax and shape check of a map/reduce script, by python3 (the renderer never runs it). */
export async function checkPython(source: string, filename: string, python = 'python3'): Promise<PythonDiagnostic[]> {
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    // -I: isolated, so a module named ast.py beside the job cannot shadow the real one.
    const child = execFile(python, ['-I', '-c', CHECKER, filename], { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, out, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new WorkbenchError(
            'UNAVAILABLE',
            missing ? `${python} was not found; install Python 3 to check scripts.` : `The Python check failed: ${stderr.trim() || err.message}`,
            { cause: err },
          ),
        );
      } else {
        resolvePromise(out);
      }
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(source);
  });
  return PythonDiagnostic.array().parse(JSON.parse(stdout));
}
