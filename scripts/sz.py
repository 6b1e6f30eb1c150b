"""Code lines per package (blank lines, comments and docstrings excluded), in the spirit
of tinygrad's sz.py: growth of the core should be visible and explained."""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections import defaultdict
from pathlib import Path


def code_lines(path: Path) -> int:
    source = path.read_text()
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    counted: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in skip or tok.start[0] in docstring_lines:
            continue
        counted.update(range(tok.start[0], tok.end[0] + 1))
    return len(counted)


def main(root: str = "workbench") -> int:
    totals: dict[str, int] = defaultdict(int)
    for path in sorted(Path(root).rglob("*.py")):
        package = str(path.parent.relative_to(Path(root).parent))
        totals[package] += code_lines(path)
    width = max(len(p) for p in totals)
    for package, lines in sorted(totals.items()):
        print(f"{package:<{width}}  {lines:6d}")
    print(f"{'total':<{width}}  {sum(totals.values()):6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
