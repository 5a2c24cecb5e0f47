"""Imports go one way: in the package, inputs, then the AWS or the Prefect half, then platform.py; in the tests,
every test module to tests/support only."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import prefect_ecs_platform

PACKAGE = Path(prefect_ecs_platform.__file__).resolve().parent
NAME = "prefect_ecs_platform"

#: Which parts each part may import, besides itself.
ALLOWED: dict[str, set[str]] = {
    "inputs": set(),
    "aws": {"inputs"},
    "prefect_api": {"inputs"},
    "resources": {"inputs", "prefect_api"},
    # The collector's settings for a program's registrations: Python's gc, nothing of the package.
    "collector": set(),
    "platform": {"inputs", "aws", "prefect_api", "resources", "collector"},
    "__init__": {"inputs", "prefect_api", "platform", "collector"},
    # The offline render runs a stack's program, which may use every part.
    "render": {"inputs", "aws", "prefect_api", "resources", "platform"},
    "__main__": {"render"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join((NAME, *parts))


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def _imports(path: Path) -> Iterator[str]:
    """Every module of this package that `path` imports, relative imports resolved."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == NAME)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            if base.split(".")[0] != NAME:
                continue
            for alias in node.names:
                # `from package import module` imports the module, not a name the package's face hands on.
                submodule = f"{base}.{alias.name}"
                yield submodule if _is_module(submodule) else base


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): set(_imports(path)) for path in PACKAGE.rglob("*.py")}


def test_each_part_imports_only_the_parts_below_it() -> None:
    """inputs imports no other part; the halves import inputs, not each other; only entry points use platform."""
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _part(target) != _part(module) and _part(target) not in ALLOWED[_part(module)]
    )
    assert wrong == []


def test_the_rule_sees_a_forbidden_import() -> None:
    """The parser finds an upward import where there is one, so the rule above cannot pass vacuously."""
    module = PACKAGE / "inputs" / "args.py"
    assert f"{NAME}.inputs.deployment_args" in set(_imports(module))
    assert _part(f"{NAME}.aws.network") not in ALLOWED["inputs"]


def test_no_module_imports_itself_through_a_cycle() -> None:
    """Following imports from any module never leads back to it."""
    graph = _graph()
    known = set(graph)

    def reaches(start: str, goal: str) -> bool:
        seen: set[str] = set()
        stack = [t for t in graph[start] if t in known]
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                stack.extend(t for t in graph[current] if t in known)
        return False

    assert [module for module in graph if reaches(module, module)] == []


def test_every_part_says_what_it_holds() -> None:
    """Each subpackage's __init__ opens with a docstring naming what it may depend on."""
    for part in ("inputs", "aws", "prefect_api", "resources"):
        docstring = ast.get_docstring(ast.parse((PACKAGE / part / "__init__.py").read_text()))
        assert docstring, part
        assert "import" in docstring, part


REPOSITORY = Path(__file__).resolve().parents[2]


def _misplaced(source: str, *, bench_allowed: bool = False) -> list[str]:
    """The modules `source` imports against the test layout: tests' own modules outside tests.support, bench.

    Everything under tests/ but tests/support is a test module, a conftest or a package of them, so the rule
    needs no list of names; a relative import is refused too, since it could reach one unseen.
    """
    wrong = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = ["." * node.level + (node.module or "")]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            relative = module.startswith(".")
            test_module = top == "tests" and not (module + ".").startswith("tests.support.")
            if relative or test_module or (top == "bench" and not bench_allowed):
                wrong.append(module)
    return wrong


def _layout_breaks(folder: str, *, bench_allowed: bool = False) -> list[str]:
    return [
        f"{path.relative_to(REPOSITORY)} imports {module}"
        for path in sorted((REPOSITORY / folder).rglob("*.py"))
        for module in _misplaced(path.read_text(), bench_allowed=bench_allowed)
    ]


def test_tests_import_only_the_support_package() -> None:
    """No test module or conftest imports a test module or a conftest; nothing under tests/ imports bench/.

    Shared machinery lives in tests/support, so one test's edits never reach into another's module.
    """
    assert _layout_breaks("tests") == []


def test_bench_uses_only_the_support_package_of_the_tests() -> None:
    """The benchmarks may share the tests' machinery, but only what tests/support holds."""
    assert _layout_breaks("bench", bench_allowed=True) == []


def test_the_test_layout_rule_sees_a_forbidden_import() -> None:
    """The parser flags a test module, a conftest, bench/ and a relative import, and lets tests.support through."""
    source = (
        "from tests.acceptance.test_work_pool import pool_props\n"
        "from tests.conftest import pulumi_harness\n"
        "import bench.suite\n"
        "from . import test_platform\n"
        "from tests.support.engine import Engine\n"
        "import tests.support.pulumi_mocks\n"
        "from tests.supported import x\n"
    )
    assert _misplaced(source) == [
        "tests.acceptance.test_work_pool",
        "tests.conftest",
        "bench.suite",
        ".",
        "tests.supported",
    ]
