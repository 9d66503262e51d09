"""A guard over the source: no shell is ever invoked, and SQL text is never built from data.

It reads each module's syntax tree (``ast``), so it sees the real arguments of every call,
wherever the module sits. Used by ``tests/test_faults.py`` over ``triage/`` and ``screens/``.

SQL is the first argument (or ``sql=``) of ``execute``, ``executemany`` and
``executescript`` (sqlite3 and sqlite-utils), and of ``query`` on a ``db`` (sqlite-utils;
Textual's DOM has a ``query`` too). It is *built* when it is an f-string, a ``+``, ``%`` or
``.format()`` concatenation or a ``.join()``, directly or through a name assigned in the
same function. Built SQL is *built from data* unless every part of it is constant text:

- a literal, or a module-level name whose values are constant text (in this module, or an
  UPPER_CASE name imported from another), or an UPPER_CASE attribute (``sql.COLUMNS``);
- ``placeholders(...)`` (triage/store/sql.py: ``?, ?, ?``, only the number of values is
  used), and a literal repeated (``"?" * len(ids)``), which can only repeat the literal;
- a local name whose every assignment in the function is constant text (a ``for`` name
  over a constant; ``sql += ...`` where what is added is constant text);
- a choice between constant texts (``a if flag else b``), an item of a constant;
- a call of a function of this module whose arguments are all constants, or whose every
  ``return`` is constant text or a parameter it has checked is ``in`` a constant (raising
  otherwise); a builtin such as ``sorted`` or ``tuple`` over constants; a method called on
  constant text with constant arguments.

Everything else (a parameter, an attribute read from an object, a call with data) is data.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SQL_METHODS = ("execute", "executemany", "executescript")
SHELL_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
}
PURE_BUILTINS = {"tuple", "list", "sorted", "frozenset", "set", "str", "int", "len", "repr"}
SHELL = "a shell is invoked"
BUILT = "SQL built from data"

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Finding:
    path: Path  # relative to the folder searched
    line: int
    function: str  # the enclosing function's name, "<module>" at the top level
    what: str  # SHELL or BUILT
    text: str  # the offending expression, as source

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}(): {self.what}: {self.text}"


def findings_under(root: Path, folders: tuple[str, ...]) -> list[Finding]:
    """Every shell call and every SQL text built from data in the .py files under each
    ``root/folder``, subfolders included, whatever they are called."""
    found: list[Finding] = []
    for folder in folders:
        for source in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
            guard = _Guard(source.relative_to(root), tree)
            guard.visit(tree)
            found.extend(guard.findings)
    return found


# --- what each scope binds ----------------------------------------------------------------


class _ElementOf(ast.expr):
    """A name bound to a part of ``whole`` (a for loop's name, an unpacked name)."""

    def __init__(self, whole: ast.expr) -> None:
        super().__init__()
        self.whole = whole


class _Unknown(ast.expr):
    """A name bound to a value the guard cannot see: a parameter, a ``with ... as``."""


def _this_scope(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a body, without going into nested functions, lambdas or classes."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        todo.extend(
            child
            for child in ast.iter_child_nodes(node)
            if not isinstance(child, (*_FUNCTIONS, ast.ClassDef, ast.Lambda))
        )


class _Scope:
    """The names one function (or the module) binds, each with every value it is given."""

    def __init__(self, node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        self.values: dict[str, list[ast.expr]] = {}
        self.imported: set[str] = set()
        if isinstance(node, (*_FUNCTIONS, ast.Lambda)):
            a = node.args
            for arg in (*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg):
                if arg is not None:
                    self.values[arg.arg] = [_Unknown()]
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for child in _this_scope(body):  # type: ignore[arg-type]
            self._bind(child)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_to(target, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            self._bind_to(node.target, node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            grown = ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value)
            self._bind_to(node.target, ast.copy_location(grown, node))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._bind_to(node.target, _ElementOf(node.iter))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_to(item.optional_vars, _Unknown())
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imported.update((a.asname or a.name).split(".")[0] for a in node.names)

    def _bind_to(self, target: ast.AST, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.values.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:  # each part of constant text is constant
                self._bind_to(element, _ElementOf(value))
        elif isinstance(target, ast.Starred):
            self._bind_to(target.value, value)


# --- the guard ----------------------------------------------------------------------------


class _Guard(ast.NodeVisitor):
    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.module = _Scope(tree)
        self.module_functions = {
            node.name: node for node in tree.body if isinstance(node, _FUNCTIONS)
        }
        self.scopes: list[_Scope] = []  # the enclosing functions' scopes, innermost last
        self.functions: list[str] = []
        self.judging: set[str] = set()  # module functions whose returns are being judged
        self.findings: list[Finding] = []
        shell_names = {name for _, name in SHELL_CALLS}
        self.shell_imports = {  # `from os import system` and the like
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module in {module for module, _ in SHELL_CALLS}
            for a in node.names
            if a.name in shell_names
        }

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(_Scope(node))
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.scopes.append(_Scope(node))
        self.generic_visit(node)
        self.scopes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if any(
            k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords
        ):
            self._found(node, SHELL, node)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in SHELL_CALLS:
                self._found(node, SHELL, node)
        if isinstance(func, ast.Name) and func.id in self.shell_imports:
            self._found(node, SHELL, node)
        if isinstance(func, ast.Attribute) and _is_sql_method(func):
            sql = node.args[0] if node.args else None
            sql = sql or next((k.value for k in node.keywords if k.arg == "sql"), None)
            built = None if sql is None else self._built_from_data(sql, set())
            if built is not None:
                self._found(node, BUILT, built)
        self.generic_visit(node)

    def _found(self, node: ast.Call, what: str, part: ast.expr) -> None:
        function = self.functions[-1] if self.functions else "<module>"
        self.findings.append(Finding(self.path, node.lineno, function, what, ast.unparse(part)))

    # --- names

    def _binding(self, name: str) -> _Scope | None:
        """The nearest scope that binds a name, the module's last; None for a builtin."""
        for scope in (*reversed(self.scopes), self.module):
            if name in scope.values or name in scope.imported:
                return scope
        return None

    # --- built SQL

    def _built_from_data(self, node: ast.expr, seen: set[str]) -> ast.expr | None:
        """The part of a SQL argument that builds text from data, or None."""
        if isinstance(node, ast.Name):
            scope = self._binding(node.id)
            if node.id in seen or scope is None or scope is self.module:
                return None  # a module constant is judged where it is used, if built
            for value in scope.values.get(node.id, []):
                built = self._built_from_data(value, seen | {node.id})
                if built is not None:
                    return built
            return None  # a parameter is judged where its text is built
        if isinstance(node, ast.IfExp):
            return self._built_from_data(node.body, seen) or self._built_from_data(
                node.orelse, seen
            )
        builds = isinstance(node, (ast.JoinedStr, ast.BinOp)) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "join")
        )
        return node if builds and not self._constant(node, seen) else None

    # --- constant text

    def _constant(self, node: ast.AST, seen: set[str]) -> bool:
        """Whether this expression can only ever be text (or values) written in the source."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return self._constant_name(node.id, seen)
        if isinstance(node, ast.Attribute):
            return node.attr.isupper()  # sql.MARK_COLUMNS, self.TABLE
        if isinstance(node, _ElementOf):
            return self._constant(node.whole, seen)
        if isinstance(node, ast.JoinedStr):
            return all(self._constant(v, seen) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            spec = node.format_spec
            return self._constant(node.value, seen) and (spec is None or self._constant(spec, seen))
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mult) and any(
                isinstance(side, ast.Constant) and isinstance(side.value, str)
                for side in (node.left, node.right)
            ):
                return True  # "?" * len(ids): only ever the literal, repeated
            return self._constant(node.left, seen) and self._constant(node.right, seen)
        if isinstance(node, ast.IfExp):
            return self._constant(node.body, seen) and self._constant(node.orelse, seen)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self._constant(e, seen) for e in node.elts)
        if isinstance(node, (ast.Starred, ast.keyword)):
            return self._constant(node.value, seen)
        if isinstance(node, ast.Subscript):
            return self._constant(node.value, seen)  # one of several constants
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            over_constants = {
                name.id
                for g in node.generators
                if self._constant(g.iter, seen)
                for name in ast.walk(g.target)
                if isinstance(name, ast.Name)
            }
            return self._constant(node.elt, seen | over_constants)
        if isinstance(node, ast.Call):
            return self._constant_call(node, seen)
        return False

    def _constant_name(self, name: str, seen: set[str]) -> bool:
        if name in seen:
            return True  # a name's earlier value (sql += ...), or a for name over a constant
        scope = self._binding(name)
        if scope is None:
            return False  # a builtin used as a value
        if name not in scope.values:
            return name.isupper()  # imported: another module's constant
        return all(self._constant(v, seen | {name}) for v in scope.values[name])

    def _constant_call(self, node: ast.Call, seen: set[str]) -> bool:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "placeholders":
            return True  # "?, ?, ?": only the number of values is used
        arguments = all(self._constant(a, seen) for a in (*node.args, *node.keywords))
        if isinstance(func, ast.Attribute):  # a method of constant text: ", ".join(COLUMNS)
            return arguments and self._constant(func.value, seen)
        if self._binding(name) is not None:
            return False  # a local or imported callable: its text is not seen here
        if name in self.module_functions:
            return arguments or self._returns_constant(self.module_functions[name])
        return arguments and name in PURE_BUILTINS

    def _returns_constant(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether every value a function of this module returns is constant text, or a
        parameter it has checked is in a constant (raising otherwise)."""
        if function.name in self.judging:
            return True  # recursion: the other returns decide
        outer, self.scopes = self.scopes, [_Scope(function)]
        self.judging.add(function.name)
        try:
            returns = [n for n in _this_scope(function.body) if isinstance(n, ast.Return)]
            return all(
                r.value is None
                or self._constant(r.value, set())
                or _checked_in_a_constant(function, r.value, self)
                for r in returns
            )
        finally:
            self.judging.discard(function.name)
            self.scopes = outer


def _is_sql_method(func: ast.Attribute) -> bool:
    if func.attr in SQL_METHODS:
        return True
    receiver = func.value
    name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
    return func.attr == "query" and name == "db"


def _checked_in_a_constant(
    function: ast.FunctionDef | ast.AsyncFunctionDef, value: ast.expr, guard: _Guard
) -> bool:
    """``if name not in CONSTANT: raise ...`` before ``return name``: a name from a fixed set."""
    if not isinstance(value, ast.Name):
        return False
    return any(
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == value.id
        and [type(op) for op in node.test.ops] == [ast.NotIn]
        and guard._constant(node.test.comparators[0], set())
        and any(isinstance(n, ast.Raise) for n in node.body)
        for node in _this_scope(function.body)
    )
