"""The import graph of movie_lottery/: imports flow one way (web → services → models/clients), and
no two modules import each other, directly or around a loop (at import time)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "movie_lottery"
PACKAGE = "movie_lottery"
# What each layer may not import (module-level and function-level imports alike).
FORBIDDEN = {
    "services": ("web",),
    "models": ("web", "services", "clients", "worker"),
    "clients": ("web", "services", "models", "worker"),
    "page_cache": ("web", "services"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only: bool) -> set[str]:
    """The movie_lottery modules this file imports (a `from pkg import name` counts as pkg.name
    when that is a module, else as pkg)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # imports under `if TYPE_CHECKING:` do not run
        nodes = [node for node in nodes if not isinstance(node, ast.If)]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith(PACKAGE)}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith(PACKAGE):
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if candidate in MODULES else source)
    return found


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_imports_flow_one_way():
    wrong = []
    for module, path in MODULES.items():
        for target in imports(path, top_level_only=False):
            if layer(target) in FORBIDDEN.get(layer(module), ()):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_no_import_cycles():
    graph = {module: imports(path, top_level_only=True) - {module} for module, path in MODULES.items()}
    cycles, state = [], {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
