"""The dangerous calls of Go handlers, reported under the same rules as the other languages.

- `exec.Command`/`CommandContext`: event data in the program, in the script of `sh -c`, or
  as an argument of a fixed program (argument injection: `git` given `--upload-pack=...`);
- `database/sql` (and sqlx) `Query`/`QueryRow`/`Exec`/`Prepare` (and `*Context`) with SQL
  built from event data;
- `http.Get`/`Post`/`Head`, `http.NewRequest(WithContext)` with a URL from event data;
- `os.Open`/`Create`/`ReadFile`/`WriteFile`/`OpenFile`/`Remove*` with a path from event data
  (`filepath.Join` keeps the taint, `filepath.Base` removes it);
- `text/template` `Parse` of event data (template injection);
- logging the whole event, or its headers, with `log` or `fmt.Print*`;
- HTML written without escaping: `fmt.Fprintf` with an HTML format (`"<h1>%s"`),
  `text/template`'s `Execute`/`ExecuteTemplate` in a file that writes HTML, and a response
  whose `Content-Type` is `text/html` with event data in its `Body` (`html.EscapeString`
  and `template.HTMLEscapeString` make a value safe; `html/template` escapes by itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slsguard.code.events import contained
from slsguard.code.go_access import RESPONSES
from slsguard.code.go_modules import Node, text_of
from slsguard.code.model import EventRef, Hit, Taint, Value, source_location

if TYPE_CHECKING:
    from slsguard.code.go import GoFrame

_EXEC = {"os/exec.Command": 0, "os/exec.CommandContext": 1}
_SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "zsh", "cmd", "cmd.exe", "powershell"})
_SQL = {
    **dict.fromkeys(("Query", "QueryRow", "Exec", "Prepare", "Queryx", "QueryRowx"), 0),
    **dict.fromkeys(("Select", "Get"), 1),
    **dict.fromkeys(("QueryContext", "QueryRowContext", "ExecContext", "PrepareContext"), 1),
}
_SQL_PACKAGES = (
    "database/sql",
    "github.com/jmoiron/sqlx",
    "github.com/jackc/pgx",
    "github.com/go-sql-driver/mysql",
    "github.com/lib/pq",
    "gorm.io/gorm",
    "github.com/jinzhu/gorm",
    "github.com/uptrace/bun",
)
"""Packages whose `Query`/`Exec`/... take SQL text; a file whose package imports none of
them has no SQL call of that name (`cache.Get(ctx, key)`, `repo.Select(ctx, id)`)."""
_URL = {
    "net/http.Get": 0,
    "net/http.Head": 0,
    "net/http.Post": 0,
    "net/http.PostForm": 0,
    "net/http.NewRequest": 1,
    "net/http.NewRequestWithContext": 2,
}
_PATH = frozenset(
    f"{package}.{name}"
    for package in ("os", "io/ioutil")
    for name in (
        "Open",
        "OpenFile",
        "Create",
        "ReadFile",
        "WriteFile",
        "Remove",
        "RemoveAll",
        "ReadDir",
        "Mkdir",
        "MkdirAll",
    )
)
_LOG = frozenset(
    {
        *(f"log.{n}" for n in ("Print", "Printf", "Println", "Fatal", "Fatalf", "Panicf")),
        *(f"fmt.{n}" for n in ("Print", "Printf", "Println")),
    }
)
FIXES = {
    "os-command-injection": 'run a fixed program with fixed flags and put event values after "--": '
    '`exec.Command("convert", "--", name, out)`, never through `sh -c`',
    "sql-injection": "bind the values as parameters: "
    '`db.Query("SELECT * FROM t WHERE id = $1", id)`',
    "server-side-request-forgery": "keep the scheme and host constant and check event values "
    "against an allow-list before building the URL",
    "path-traversal": "use `filepath.Base` (or an allow-list) on event values and keep the "
    "directory constant",
    "code-injection": "never parse templates from event data: parse a constant template and "
    "pass the data to `Execute` (and use `html/template` for HTML)",
    "sensitive-data-logged": "log the fields you need (the request id, an order id), never the "
    "whole event or its headers",
    "cross-site-scripting": "render HTML with `html/template` (it escapes by context), or "
    "escape each value with `html.EscapeString`",
}
_HTML = re.compile(
    r"<(?:!doctype|html|head|body|div|span|p|a|h[1-6]|ul|ol|li|table|tr|td|"
    r"form|input|b|i|em|strong|pre|code|script|img|br|title)\b",
    re.IGNORECASE,
)
"""An HTML tag in a literal: the text is a page or a fragment of one."""
_WRITERS = {"fmt.Fprintf": 1}
"""Formatting into a writer (an `http.ResponseWriter` sniffs HTML and serves it as such);
a `Sprintf` result is judged where it is served (a `text/html` response's `Body`)."""


@dataclass(frozen=True, slots=True)
class GoCall:
    """A call being evaluated: its node, name, and the taint of its arguments."""

    node: Node
    qual: str
    method: str
    receiver: Value
    nodes: list[Node]
    values: list[Value]

    def arg(self, index: int) -> Value:
        """The value of argument `index` (None when absent)."""
        return self.values[index] if index < len(self.values) else None


def check(frame: GoFrame, call: GoCall) -> None:
    """Record a hit when this call is a sink reached by event data."""
    qual, node = call.qual, call.node
    if qual in _EXEC:
        _command(frame, call, _EXEC[qual])
    if call.method in _SQL and _is_sql_call(frame, call):
        index = _SQL[call.method]
        if index < len(call.nodes) and call.nodes[index].type != "interpreted_string_literal":
            _report(frame, "sql-injection", node, call.arg(index), f"the SQL of `{call.method}`")
    if qual in _URL:
        _report(
            frame, "server-side-request-forgery", node, call.arg(_URL[qual]), f"`{_short(qual)}`"
        )
    if qual in _PATH:
        _report(frame, "path-traversal", node, call.arg(0), f"the path of `{_short(qual)}`")
    if call.method == "Parse" and "text/template" in frame.file.imports.values():
        _report(frame, "code-injection", node, call.arg(0), "the template text of `text/template`")
    if qual in _LOG:
        _logging(frame, call)
    _html(frame, call)


def _is_sql_call(frame: GoFrame, call: GoCall) -> bool:
    """Whether a `Query`/`Exec`/`Get`... call can be a SQL library's: its package imports
    one, and the method is not a function of the scanned module (`store.Get(ctx, id)`)."""
    if call.qual in _URL or call.qual.startswith(("os.", "net/")):
        return False
    if frame.analysis.callees(call):
        return False
    return any(path.startswith(_SQL_PACKAGES) for path in frame.analysis.imports_of(frame.file))


def _command(frame: GoFrame, call: GoCall, first: int) -> None:
    program = call.nodes[first] if first < len(call.nodes) else None
    if program is None:
        return
    name = text_of(program).strip('"`')
    rest = list(range(first + 1, len(call.nodes)))
    if name in _SHELLS and program.type == "interpreted_string_literal":
        for index in rest:
            what = f'the script of `exec.Command("{name}", "-c", ...)`'
            _report(frame, "os-command-injection", call.node, call.arg(index), what)
        return
    _report(
        frame, "os-command-injection", call.node, call.arg(first), "the program of `exec.Command`"
    )
    for index in rest:
        if index > first + 1 and text_of(call.nodes[index - 1]).strip('"`') == "--":
            break  # after "--" an argument cannot be an option
        what = f'an argument of `exec.Command("{name}", ...)` (argument injection)'
        _report(frame, "os-command-injection", call.node, call.arg(index), what)


def _html(frame: GoFrame, call: GoCall) -> None:
    """Event data formatted into HTML, or given to a `text/template` that writes HTML."""
    if call.qual in _WRITERS:
        index = _WRITERS[call.qual]
        layout = call.nodes[index] if index < len(call.nodes) else None
        if layout is not None and layout.type in _LITERALS and _HTML.search(text_of(layout)):
            for value in call.values[index + 1 :]:
                what = f"the HTML `{_short(call.qual)}` writes"
                if _report(frame, "cross-site-scripting", call.node, value, what):
                    return
    if call.method in ("Execute", "ExecuteTemplate") and _text_template_html(frame):
        what = "an HTML page rendered with `text/template` (no escaping)"
        _report(
            frame, "cross-site-scripting", call.node, call.values[-1] if call.values else None, what
        )


_LITERALS = ("interpreted_string_literal", "raw_string_literal")


def _text_template_html(frame: GoFrame) -> bool:
    """Whether the file renders templates with `text/template` and writes HTML."""
    file = frame.file
    if "text/template" not in file.imports.values() or "html/template" in file.imports.values():
        return False
    text = "\n".join(file.lines)
    return "text/html" in text or _HTML.search(text) is not None


def check_response(frame: GoFrame, node: Node, fields: dict[str, tuple[Node, Value]]) -> None:
    """An API Gateway, function URL or ALB response served as HTML with event data in its
    `Body`."""
    if not RESPONSES.match(text_of(node.child_by_field_name("type"))) or "Body" not in fields:
        return
    headers = fields.get("Headers") or fields.get("MultiValueHeaders")
    if headers is None or "text/html" not in text_of(headers[0]).lower():
        return
    body, value = fields["Body"]
    _report(frame, "cross-site-scripting", body, value, "the body of an HTML response")


def _logging(frame: GoFrame, call: GoCall) -> None:
    for argument, value in zip(call.nodes, call.values, strict=False):
        what = ""
        if isinstance(value, EventRef) and not value.path:
            what = "the whole event"
        elif (
            isinstance(value, Taint)
            and value.exact
            and value.field.endswith(("headers", "cookies"))
        ):
            what = f"{value.field} (with credentials)"
        if what:
            taint = Taint(what, "", (frame.step(argument, frame.file.text(call.node)),))
            _record(frame, "sensitive-data-logged", call.node, taint, f"{what} is logged")
            return


def _report(frame: GoFrame, kind: str, node: Node, value: Value, what: str) -> bool:
    """Record a hit when `value` is event data not made safe for `kind`; whether it was."""
    if isinstance(value, EventRef):
        field = contained(frame.analysis.sources, value)
        value = frame.source(field, node) if field is not None else None
    sanitizer = _SANITIZER_KIND.get(kind, kind)
    if not isinstance(value, Taint) or sanitizer in value.sanitized:
        return False
    _record(frame, kind, node, value, f"{value.field} from {value.trigger} reaches {what}")
    return True


_SANITIZER_KIND = {
    "server-side-request-forgery": "ssrf",
    "path-traversal": "path",
    "cross-site-scripting": "html",
}


def _record(frame: GoFrame, kind: str, node: Node, taint: Taint, message: str) -> None:
    file = frame.file
    line, column, end_line, end_column = file.position(node)
    text = file.text(node)
    location = source_location(
        file.display, line, column, (end_line, end_column), frame.symbol, text
    )
    flow = taint.step(frame.step(node, text)) if taint.trigger else taint
    frame.analysis.hits.append(
        Hit(kind, location, message, FIXES[kind], flow, "", (frame.analysis.function,))
    )


def _short(qual: str) -> str:
    return qual.rsplit("/", 1)[-1]
