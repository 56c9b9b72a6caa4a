"""The library's two layers, read from the source with `ast` (nothing is imported or run).

* The teaching layer (`vae_lib` and its modules outside `vae_lib/course/`) never imports the course machinery
  (`vae_lib.course`), not at the top of a module and not inside a function.
* No import cycle among vae_lib's modules, counting imports inside functions too.

Every `import` / `from ... import` statement anywhere in a module counts. `from vae_lib.x import y` is an edge to
`vae_lib.x.y` when that is a module, else to `vae_lib.x`. The implicit import of a parent package (importing
`vae_lib.course.env` first runs `vae_lib/course/__init__.py`) is not an edge: Python handles a package whose
`__init__` imports its own submodules.
"""
from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "vae_lib"
MACHINERY = "vae_lib.course"


def module_names(lib: Path) -> dict[str, Path]:
    """{'vae_lib.train': path, 'vae_lib.course': path of its __init__.py, ...} for every .py file under lib."""
    names = {}
    for path in sorted(lib.rglob("*.py")):
        parts = list(path.relative_to(lib.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    """The longest known module that `target` names or lies in (None: not part of the library)."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in known:
            return name
        parts.pop()
    return None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The library modules that module `name` imports anywhere in its code (functions included)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:   # relative: from the module's package, up level - 1 more
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[:len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            module = _resolve(target, known)
            if module is not None and module != name:
                found.add(module)
    return found


def import_graph(lib: Path = LIB) -> dict[str, set[str]]:
    known = module_names(lib)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def is_machinery(name: str) -> bool:
    return name == MACHINERY or name.startswith(MACHINERY + ".")


def teaching_imports_of_machinery(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} imports {b}" for a, targets in graph.items() if not is_machinery(a)
                  for b in targets if is_machinery(b))


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search)."""
    state: dict[str, int] = {}   # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


# ---------------------------------------------------------------------------------------------- the library

def test_the_library_has_both_layers():
    graph = import_graph()
    assert {"vae_lib", "vae_lib.train", "vae_lib.models", "vae_lib.course", "vae_lib.course.recipes",
            "vae_lib.course.checks", "vae_lib.course.checks.core"} <= set(graph)
    assert graph["vae_lib.course.recipes"] >= {"vae_lib.train", "vae_lib.course.env"}   # the edges are seen


def test_the_teaching_layer_never_imports_the_course_machinery():
    assert teaching_imports_of_machinery(import_graph()) == []


def test_no_import_cycle_in_the_library():
    assert find_cycle(import_graph()) is None


# ------------------------------------------------------------------- the checks themselves can fail

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "vae_lib" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "vae_lib"


def test_an_import_of_the_machinery_inside_a_function_is_found(tmp_path):
    lib = _tree(tmp_path, {"__init__.py": "", "course/__init__.py": "", "course/env.py": "",
                           "train.py": "def fit():\n    from vae_lib.course.env import current_mode\n"})
    assert teaching_imports_of_machinery(import_graph(lib)) == ["vae_lib.train imports vae_lib.course.env"]


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path):
    # what train.py and parallel.py did: train imported parallel inside fit, parallel imported train at the top
    lib = _tree(tmp_path, {"__init__.py": "",
                           "train.py": "def fit(mesh=None):\n    from vae_lib.parallel import replicate\n",
                           "parallel.py": "from vae_lib.train import fit\n",
                           "models.py": "from . import layers\n", "layers.py": ""})
    graph = import_graph(lib)
    assert graph["vae_lib.models"] == {"vae_lib.layers"}   # relative imports resolve
    assert find_cycle(graph) in (["vae_lib.parallel", "vae_lib.train", "vae_lib.parallel"],
                                 ["vae_lib.train", "vae_lib.parallel", "vae_lib.train"])
