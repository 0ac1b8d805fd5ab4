"""No import circles: a module's place in the tree says what it may use (issue 15).

Python: the module-level imports of helpline/ (imports inside functions break a circle
only by hiding it; they need a comment saying why). JavaScript: the relative imports of
static/js/. The front end has no circle either: a part that must call back into the one
that started it gets the callback through its init(root, config) (docs/architecture.md,
"Front end"). KNOWN_JS_CIRCLES stays empty; a listed circle that is gone fails too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KNOWN_JS_CIRCLES: list[set[str]] = []


def _python_graph() -> dict[str, set[str]]:
    modules = {}
    for path in (ROOT / "helpline").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rsplit(".", 1)[0]
                target = f"{base}.{node.module}" if node.level and node.module else (
                    base if node.level else node.module)
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    deps.add(sub if sub in modules else target)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def _js_graph() -> dict[str, set[str]]:
    base = ROOT / "static" / "js"
    graph = {}
    for path in base.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        deps = {str((path.parent / m).resolve().relative_to(base))
                for m in re.findall(r"""^\s*import\s+(?:[^'"]*?from\s+)?['"](\.[^'"]+)['"]""",
                                    text, re.M)}
        graph[str(path.relative_to(base))] = deps
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_circles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [{"a", "b", "c"}]


def test_the_python_package_has_no_import_circle() -> None:
    assert circles(_python_graph()) == []


def test_the_front_end_gains_no_import_circle() -> None:
    found = circles(_js_graph())
    assert [c for c in found if c not in KNOWN_JS_CIRCLES] == []
    assert [c for c in KNOWN_JS_CIRCLES if c not in found] == [], "a circle is gone: unlist it"


# Lower layers import nothing of the domain, so a change to chats, the line or records
# never reaches them (docs/architecture.md, "The map"). The key names live in queue/keys.
LAYERS = {
    "helpline.realtime": ("helpline.realtime", "helpline.compat", "helpline.extensions",
                          "helpline.queue.keys"),
    "helpline.compat": ("helpline.compat", "helpline.realtime.protocol"),
    "helpline.timers": ("helpline.queue.keys", "helpline.realtime"),
}


def test_the_lower_layers_import_no_domain_module() -> None:
    graph = _python_graph()
    wrong = {
        (name, dep)
        for layer, allowed in LAYERS.items()
        for name, deps in graph.items() if name == layer or name.startswith(layer + ".")
        for dep in deps
        if dep != "helpline" and not dep.startswith(allowed or ("\0",))
    }
    assert wrong == set()


def _unexplained_function_imports(path: Path) -> list[int]:
    """Imports inside a function whose run of imports has no comment in it or just above."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    nested = sorted({(node.lineno, node.end_lineno) for func in ast.walk(ast.parse(text))
                     if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
                     for node in ast.walk(func) if isinstance(node, ast.Import | ast.ImportFrom)})
    runs: list[list[int]] = []  # [first line, last line] of imports that follow each other
    for first, last in nested:
        between = lines[runs[-1][1]:first - 1] if runs else ["x"]
        if len(between) <= 1 and not "".join(between).strip():
            runs[-1][1] = last
        else:
            runs.append([first, last])
    return [first for first, last in runs
            if not any("#" in line for line in lines[first - 1:last])
            and "#" not in lines[first - 2]]


def test_every_import_inside_a_function_says_why() -> None:
    wrong = {str(path.relative_to(ROOT)): found
             for path in (ROOT / "helpline").rglob("*.py")
             if (found := _unexplained_function_imports(path))}
    assert wrong == {}
