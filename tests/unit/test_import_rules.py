"""The arrows point down: domain code imports no framework, chassis and contracts know no service,
and no service imports another. Read from the source (every import statement, at any depth of the
file, followed through the project's own modules), so a lazy import inside a function counts too."""
import ast
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Each package's top-level folder: the package name → where its modules live.
PACKAGES = {
    "contracts": REPO / "contracts" / "contracts",
    "chassis": REPO / "chassis" / "chassis",
    **{path.name: path / path.name for path in sorted((REPO / "services").iterdir()) if (path / path.name).is_dir()},
}
SERVICES = sorted(set(PACKAGES) - {"contracts", "chassis"})

# The domain: plain Python, unit-testable without a broker or a database.
DOMAIN_MODULES = [
    "marketplace.handlers", "marketplace.orders", "marketplace.catalogue", "marketplace.payments",
    "marketplace.promptpay", "marketplace.collection",
    "marketplace.payment_reconciliation", "marketplace.delivery", "marketplace.sharing", "marketplace.exchange",
    "funds.handlers", "funds.credits", "funds.levy", "funds.ledger", "funds.settlement",
    "funds.reconciliation", "funds.reconciliation_report", "funds.statements", "funds.routes",
    "centres.handlers", "centres.registry", "chassis.geography", "centres.queries", "centres.importer",
    "notifications.handlers", "notifications.compose", "notifications.delivery", "notifications.preferences",
    "notifications.ratelimit",
    "web.signin", "web.accounts", "web.charts", "web.errors", "web.sessions", "web.money", "web.order_states",
    # the framework-free parts of chassis that domain modules use
    "chassis.app", "chassis.errors", "chassis.schemas", "chassis.thai", "chassis.registry", "chassis.tokens",
]
FRAMEWORKS = {"nameko", "eventlet", "kombu", "amqp", "psycopg2", "psycogreen", "smtplib", "werkzeug"}


def module_file(name):
    package, *rest = name.split(".")
    base = PACKAGES[package].joinpath(*rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imported_names(tree, module):
    package = module if module_file(module).name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)  # "from pkg import module"


@cache
def direct_imports(module):
    path = module_file(module)
    return frozenset(_imported_names(ast.parse(path.read_text(encoding="utf-8")), module))


def project_module(name):
    """The project module ``name`` refers to (or its nearest existing parent), else None."""
    if name.split(".")[0] not in PACKAGES:
        return None
    while name and module_file(name) is None:
        name = name.rpartition(".")[0]
    return name or None


@cache
def closure(module):
    """Every name imported by ``module`` and by the project modules it reaches, with the path to it."""
    reached, stack, seen = {}, [(module, (module,))], {module}
    while stack:
        current, path = stack.pop()
        parents = current.split(".")
        for index in range(1, len(parents)):  # importing a.b.c runs a/__init__ and a/b/__init__
            parent = ".".join(parents[:index])
            if module_file(parent) and parent not in seen:
                seen.add(parent)
                stack.append((parent, path + (parent,)))
        for name in direct_imports(current):
            reached.setdefault(name, path)
            target = project_module(name)
            if target and target not in seen:
                seen.add(target)
                stack.append((target, path + (target,)))
    return reached


def all_modules(package):
    root = PACKAGES[package]
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.relative_to(root).parts:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        yield ".".join((package, *parts[:-1])) if parts[-1] == "__init__" else ".".join((package, *parts))


def offending(module, forbidden):
    return sorted(f"{name} (via {' → '.join(path)})" for name, path in closure(module).items()
                  if name.split(".")[0] in forbidden)


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_modules_import_no_framework(module):
    assert module_file(module) is not None, f"{module} is listed as domain but does not exist"
    assert offending(module, FRAMEWORKS) == []


@pytest.mark.parametrize("package", ["chassis", "contracts"])
def test_chassis_and_contracts_import_no_service(package):
    found = [hit for module in all_modules(package) for hit in offending(module, set(SERVICES))]
    assert found == []


def test_contracts_import_nothing_else_of_the_project():
    found = [hit for module in all_modules("contracts") for hit in offending(module, set(PACKAGES) - {"contracts"})]
    assert found == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    others = set(SERVICES) - {service}
    found = [hit for module in all_modules(service) for hit in offending(module, others)]
    assert found == []


def test_the_rule_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    """The checker itself: a lazy framework import two modules away is found."""
    package = tmp_path / "sample"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "domain.py").write_text("from sample import helper\n")
    (package / "helper.py").write_text("def later():\n    import psycopg2\n")
    monkeypatch.setitem(PACKAGES, "sample", package)
    direct_imports.cache_clear()
    closure.cache_clear()
    try:
        assert offending("sample.domain", FRAMEWORKS) == ["psycopg2 (via sample.domain → sample.helper)"]
    finally:
        direct_imports.cache_clear()
        closure.cache_clear()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
