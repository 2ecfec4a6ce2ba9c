#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""MIN()/MAX() evaluate each argument twice (util.h): an argument that calls
a function which may return something else the second time (tap_room(), any
syscall) gives a result that no comparison checked. That happened once:
tcp_send_room() took a second, larger tap_room() and overran a segment
array. This lint fails on a MIN()/MAX() argument that calls a function not
listed here as pure.

Usage: minmax.py FILE...   (exit 1 on a finding)
"""
import re
import sys

# Functions with no side effects and the same result on a second call
PURE = {'sizeof', 'tcp_is_v4', 'ARRAY_SIZE', 'DIV_ROUND_UP', 'MIN', 'MAX',
        'MIN_CONST', 'MAX_CONST', 'ntohs', 'ntohl', 'htons', 'htonl',
        'offsetof', '__alignof__', '_Alignof', 'util_get_be32',
        'util_get_be16'}
CALL = re.compile(r'\b([A-Za-z_][A-Za-z_0-9]*)\s*\(')


def args_of(text, start):
    """Text between the parenthesis at @start and its match"""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == '(':
            depth += 1
        elif text[i] == ')':
            depth -= 1
            if not depth:
                return text[start + 1:i]
    return ''


def strip_comments(text):
    return re.sub(r'/\*.*?\*/|//[^\n]*', lambda m: re.sub(r'[^\n]', ' ', m.group(0)),
                  text, flags=re.S)


def main():
    bad = 0
    for path in sys.argv[1:]:
        text = strip_comments(open(path, encoding='utf-8').read())
        for m in re.finditer(r'\b(MIN|MAX)\s*\(', text):
            if text[:m.start()].rstrip().endswith('define'):
                continue
            inner = args_of(text, m.end() - 1)
            calls = [f for f in CALL.findall(inner) if f not in PURE]
            # Casts look like calls to nothing: "(uint32_t)(x)" has no name
            if calls:
                line = text.count('\n', 0, m.start()) + 1
                print(f'{path}:{line}: {m.group(1)}() argument calls '
                      f'{", ".join(sorted(set(calls)))}, evaluated twice: '
                      f'call it once, before')
                bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
