"""The house's floors, checked from the code's own imports.

`jinhai` is the ground floor (scoping, the import base, masking, caching, ...), `communities` the
map every app points into, then the apps side by side; `jinhai`'s roof (root urls, the home page,
the figures that gather every app's numbers) sits above them all. A module that imports one above
it, or a ring of modules that import one another, fails here: each import is read from the source
(at any depth of a function, since a late import is still a dependency), not from what happens to
be loaded.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["jinhai", "communities", "volunteers", "self_governance", "orgs", "residents"]
APPS = {"communities", "volunteers", "self_governance", "orgs"}
# The parts of `jinhai` that gather every app: the URLs, the pages made of several apps' figures,
# and the settings that list the apps.
ROOF = {
    "jinhai.urls",
    "jinhai.views",
    "jinhai.figures",
    "jinhai.summaries",
    "jinhai.settings",
    "jinhai.settings_test",
}
ROOMS = {"agreements", "fund", "campaign"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, wherever in the file the import stands."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from . import services` imports a module; `from .models import X` a name.
                candidate = f"{source}.{alias.name}"
                targets.add(candidate if candidate in MODULES else source)
    return {t for t in targets if t in MODULES and t != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _app(module: str) -> str:
    return module.split(".")[0]


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "self_governance" and len(parts) > 2 else None


def test_the_import_graph_has_no_circle():
    assert _cycles(GRAPH) == []


def test_the_check_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_ground_floor_imports_no_app():
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if _app(module) == "jinhai" and module not in ROOF
        for target in targets
        if _app(target) in APPS
    }
    assert wrong == set()


def test_communities_imports_no_other_app():
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if _app(module) == "communities"
        for target in targets
        if _app(target) in APPS - {"communities"}
    }
    assert wrong == set()


def test_apps_do_not_import_each_other_sideways():
    side = APPS - {"communities"}
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if _app(module) in side
        for target in targets
        if _app(target) in side and _app(target) != _app(module)
    }
    assert wrong == set()


def test_the_rooms_of_self_governance_do_not_import_each_other():
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if _room(module) in ROOMS
        for target in targets
        if _room(target) in ROOMS and _room(target) != _room(module)
    }
    assert wrong == set()


def test_no_module_is_much_over_500_lines():
    # Migrations are history, not reading matter.
    long = {
        module: lines
        for module, path in MODULES.items()
        if ".migrations." not in module and (lines := path.read_text().count("\n")) > 550
    }
    assert long == {}, "split these by what their parts are"


# Writes an import makes once every row has been checked; everything else reads, and reads go
# through the import base's scoped lookup.
IMPORT_WRITES = {"bulk_create", "bulk_update"}


def _unscoped_reads(tree) -> list[int]:
    """Lines of `X.objects...` in a resources module outside `self.scoped(...)` / `.taken(...)`,
    other than the final bulk writes."""
    inside = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("scoped", "taken")
        ):
            inside |= {id(n) for arg in node.args for n in ast.walk(arg)}
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects" and id(node) not in inside:
            bad.append(node.lineno)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and node.attr in IMPORT_WRITES
            and node.value.lineno in bad
        ):
            bad.remove(node.value.lineno)
    return bad


def test_imports_read_only_through_the_scoped_lookup():
    wrong = {
        module: lines
        for module, path in MODULES.items()
        if module.endswith(".resources") and (lines := _unscoped_reads(ast.parse(path.read_text())))
    }
    assert wrong == {}, "look rows up with self.scoped(Model) (jinhai.imports.base)"


def test_the_scoped_lookup_check_finds_a_plain_read():
    code = "def f(self):\n    Volunteer.objects.filter(a=1)\n    X.objects.bulk_create([])\n"
    assert _unscoped_reads(ast.parse(code)) == [2]
    assert _unscoped_reads(ast.parse("self.scoped(Rule.objects.current())")) == []


def test_the_resident_side_sits_on_top():
    # `residents` (我的) reads every app, like the root urls; only the roof may point at it.
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if _app(module) != "residents" and module not in ROOF
        for target in targets
        if _app(target) == "residents"
    }
    assert wrong == set()
