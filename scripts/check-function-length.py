#!/usr/bin/env python3
"""Fails when a function outside tests/, bench/ and examples/ is longer than 60 lines.

A function is a brace block whose enclosing blocks are all namespaces, classes, structs or
enums; lambdas count towards the function they are written in. Comments and string
literals are ignored when braces are matched. Run by ctest (test "lint.function_length").
"""
import pathlib
import re
import subprocess
import sys

LIMIT = 60
SKIP = ("tests/", "bench/", "examples/")
CONTAINER = re.compile(r'\s*(namespace\b|extern "C"|(template\s*<.*>\s*)?(struct|class|enum)\b)')


def strip(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return re.sub(r"//.*", "", line)


def long_functions(path):
    lines = path.read_text(errors="replace").split("\n")
    stack, found, raw = [], [], False
    for number, line in enumerate(lines, 1):
        if 'R"(' in line:
            raw = True
        if raw:
            raw = ')"' not in line
            continue
        for ch in strip(line):
            if ch == "{":
                stack.append((number, CONTAINER.match(line) is not None))
            elif ch == "}" and stack:
                start, container = stack.pop()
                if not container and all(c for _, c in stack):
                    body = number - start - 1
                    if body > LIMIT:
                        found.append((path, start, body, lines[start - 1].strip()))
    return found


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*.cpp", "*.hpp"],
                           cwd=root, capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in files:
        if not name.startswith(SKIP) and "node_modules/" not in name:
            found += long_functions(root / name)
    for path, start, body, text in found:
        print(f"{path.relative_to(root)}:{start}: {body} lines: {text}")
    if found:
        print(f"check-function-length: functions over {LIMIT} lines (split them)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
