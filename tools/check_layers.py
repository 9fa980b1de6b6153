"""Checks that the modules of shared/src point one way: down the layers, never in a cycle.

The graph: one node per file of shared/src (`store/keys.rs`, `auth.rs`), one edge per
file another names: `use crate::...` and `use super::...` (use trees expanded), `crate::`,
`super::` and `self::` paths in code and in attribute strings
(`deserialize_with = "super::object"`), and in a `mod.rs` (or `lib.rs`) the bare names of
its own submodules (`keys::PK`). A path points at the deepest file module it names:
`crate::store::keys::PK` at `store/keys.rs`, `crate::store::Store` at `store/mod.rs`.
Comments are skipped; `super::` inside an inline `mod tests {}` is the file itself.

The layers, bottom first; a file may name files of its own layer or below:

  0 base       time.rs, digest.rs: leaves, name nothing of ours
  1 domain     domain/*: the rules of the data; names only the base
  2 store      store/*: DynamoDB; names only domain and base, answers typed facts
  3 services   error.rs, http.rs, cursor.rs, sdk.rs, auth.rs, route_spec.rs,
               rate_limit.rs, idempotency.rs, audit.rs, purge.rs, search_index.rs,
               session.rs (embed tokens, sessions), html.rs (the pages' layout)
  4 state      state.rs: AppState, above everything it holds
  5 common     endpoints/common/*: what endpoint files share (path lookups, request
               helpers, bodies more than one of them answers with); never an endpoint file
  6 endpoints  endpoints/<dialect>/*: one file per resource, a folder per wire dialect
  7 pipeline   catalog.rs, routes.rs, router.rs, lambda.rs, openapi.rs: above the
               endpoints

And, beside the layers:

- endpoint files never name each other (a dialect's mod.rs names its own files): what
  two share moves down, to endpoints/common/ or the domain;
- auth.rs, rate_limit.rs, idempotency.rs and audit.rs reach DynamoDB only through the
  store's typed methods: naming `aws_sdk_dynamodb` or `serde_dynamo`, `store::keys`,
  `store::item` or the store's item helpers (`Item`, `key`, `s`, `put`, `from_item`,
  `to_item`, `sdk_error`) or the store's client (`.client()`) is an edge
  `<file> -> dynamodb`;
- the store answers typed facts, never a client's words: a store file that builds a
  `StoreError` from a message (`StoreError::not_found(...)`) or an `Invalid` is an edge
  `<file> -> client-words`;
- no cycles: every cycle of the whole graph is printed; a cycle through an edge up a
  layer is that edge's fault, and each edge of a cycle within one layer breaks the rule.

Each broken rule is a line `from -> to`. tools/layers-allowlist.txt lists today's debt;
the check fails on a line it does not list, and on a listed line that no longer occurs,
so the list only shrinks. Prints the cycles (strongly connected components) and counts.

Usage: python3 tools/check_layers.py [--write-allowlist]
(`--write-allowlist` rewrites the list from what the check finds, for a deliberate reset.)
Run by `make layers` (part of `make test`). Python 3.11, the standard library only.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "shared" / "src"
ALLOWLIST = ROOT / "tools" / "layers-allowlist.txt"

LAYERS = {
    "base": (0, {"time.rs", "digest.rs"}),
    "domain": (1, None),
    "store": (2, None),
    "services": (
        3,
        {
            "error.rs",
            "http.rs",
            "sealing.rs",
            "session.rs",
            "html.rs",
            "delivery.rs",
            "smartsuite_events.rs",
            "cursor.rs",
            "sdk.rs",
            "auth.rs",
            "route_spec.rs",
            "rate_limit.rs",
            "idempotency.rs",
            "audit.rs",
            "purge.rs",
            "search_index.rs",
        },
    ),
    "state": (4, {"state.rs"}),
    "common": (5, None),
    "endpoints": (6, None),
    "pipeline": (7, {"catalog.rs", "routes.rs", "router.rs", "lambda.rs", "openapi.rs"}),
}
# The folders that are layers, the most specific first: endpoints/common/ is below the
# endpoints beside it.
DIR_LAYERS = {"endpoints/common/": "common", "domain/": "domain", "store/": "store", "endpoints/": "endpoints"}
DB_VIA_STORE = {"auth.rs", "rate_limit.rs", "idempotency.rs", "audit.rs"}
STORE_ITEM_HELPERS = {"Item", "key", "s", "put", "from_item", "to_item", "sdk_error"}
# The key schema and the item helpers' own file: any name in them is DynamoDB's.
STORE_ITEM_FILES = {"store/keys.rs", "store/item.rs"}
DYNAMODB = "dynamodb"
CLIENT_WORDS = "client-words"

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
PATH_RE = re.compile(rf"(?<![A-Za-z0-9_:])((?:crate|super|self)(?:\s*::\s*{IDENT})+)")
PATH_STRING_RE = re.compile(rf"^(?:crate|super|self)(?:::{IDENT})+$")
INLINE_MOD_RE = re.compile(rf"\bmod\s+({IDENT})\s*\{{")
USE_RE = re.compile(r"\buse\s+([^;]*);")
CLIENT_WORDS_RE = re.compile(
    r"\bStoreError::(?:not_found|taken|missing_reference|refused|changed|NotFound|Taken|MissingReference|Refused|Changed)\s*\(|\bInvalid::[a-z_]+\s*\("
)
DB_CRATE_RE = re.compile(r"(?<![A-Za-z0-9_:])(?:aws_sdk_dynamodb|serde_dynamo)::")
CLIENT_CALL_RE = re.compile(r"\.client\(\)")


def layer_of(file: str) -> tuple[str, int]:
    for folder, name in DIR_LAYERS.items():
        if file.startswith(folder):
            return name, LAYERS[name][0]
    for name, (rank, files) in LAYERS.items():
        if files and file in files:
            return name, rank
    if file == "lib.rs":
        return "root", 99
    raise SystemExit(f"check_layers: {file} is in no layer; add it to LAYERS in {Path(__file__).name}")


def clean(text: str) -> str:
    """The source with comments and string contents blanked (same length, newlines kept);
    a string that is a whole path (`"super::object"`) keeps its contents."""
    out = []
    i, n = 0, len(text)

    def blank(chunk: str) -> str:
        return "".join("\n" if c == "\n" else " " for c in chunk)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif m := re.match(r'b?r(#*)"', text[i:i + 260]) if c in "rb" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) else None:
            hashes = m.group(1)
            start = i + m.end()
            end = text.find('"' + hashes, start)
            end = n if end < 0 else end
            out.append(text[i:start] + blank(text[start:end]))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            body = text[i + 1:j]
            out.append('"' + (body if PATH_STRING_RE.match(body) else blank(body)) + '"')
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'", text[i:i + 16])
            if m:
                out.append("'" + " " * (m.end() - 2) + "'")
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree: str) -> list[str]:
    """`a::{b, c::{self, D}}` -> ["a::b", "a::c::self", "a::c::D"] (whitespace dropped)."""
    tree = re.sub(rf"\s+as\s+{IDENT}", "", tree)
    tree = re.sub(r"\s+", "", tree)

    def split_top(s: str) -> list[str]:
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    def go(s: str) -> list[str]:
        brace = s.find("{")
        if brace < 0:
            return [s]
        prefix, inner = s[:brace], s[brace + 1:s.rfind("}")]
        out = []
        for part in split_top(inner):
            out.extend(prefix + p for p in go(part))
        return out

    return go(tree)


class Modules:
    def __init__(self, src: Path):
        self.src = src
        self.files = sorted(str(p.relative_to(src)) for p in src.rglob("*.rs"))

    def file_of(self, mod: list[str]) -> str | None:
        if not mod:
            return "lib.rs"
        base = "/".join(mod)
        for candidate in (base + ".rs", base + "/mod.rs"):
            if (self.src / candidate).exists():
                return candidate
        return None

    @staticmethod
    def module_of(file: str) -> list[str]:
        if file == "lib.rs":
            return []
        parts = file[:-3].split("/")
        return parts[:-1] if parts[-1] == "mod" else parts

    def children(self, file: str) -> set[str]:
        mod = self.module_of(file)
        if not (file == "lib.rs" or file.endswith("/mod.rs")):
            return set()
        out = set()
        for f in self.files:
            m = self.module_of(f)
            if len(m) == len(mod) + 1 and m[: len(mod)] == mod:
                out.add(m[-1])
        return out

    def resolve(self, file: str, inline: int, path: list[str], code: bool) -> tuple[str | None, list[str]]:
        """The file a path points at, and the segments past it. A path in code (not a `use`)
        names an item, so its last segment is never a module: `super::object` in
        `deserialize_with` is the function `object` of the parent, not its module `object`."""
        if path and path[-1] == "self":
            path = path[:-1]
        mod = self.module_of(file)
        if path[0] == "crate":
            cur, rest = [], path[1:]
        elif path[0] in ("super", "self"):
            cur, depth, rest = list(mod), inline, list(path)
            while rest and rest[0] in ("super", "self"):
                if rest.pop(0) == "super":
                    if depth:
                        depth -= 1
                    else:
                        cur = cur[:-1]
            if depth:  # still inside an inline module of this file
                return file, rest
        else:
            cur, rest = list(mod), list(path)
        while rest[int(code):] and self.file_of(cur + [rest[0]]):
            cur.append(rest.pop(0))
        return self.file_of(cur), rest


def inline_depths(text: str) -> list[tuple[int, int]]:
    """(position, depth of inline modules) change points of a cleaned source."""
    points, stack, depth = [(0, 0)], [], 0
    opens = {m.end() - 1 for m in INLINE_MOD_RE.finditer(text)}
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
            if i in opens:
                stack.append(depth)
                points.append((i, len(stack)))
        elif ch == "}":
            if stack and stack[-1] == depth:
                stack.pop()
                points.append((i, len(stack)))
            depth -= 1
    return points


def depth_at(points: list[tuple[int, int]], pos: int) -> int:
    d = 0
    for p, v in points:
        if p > pos:
            break
        d = v
    return d


def scan(mods: Modules) -> tuple[dict[str, set[str]], dict[tuple[str, str], int]]:
    """The file graph, and the rule-only edges (`-> dynamodb`, `-> client-words`) with counts."""
    graph: dict[str, set[str]] = {f: set() for f in mods.files}
    special: dict[tuple[str, str], int] = defaultdict(int)
    for file in mods.files:
        text = clean((mods.src / file).read_text())
        points = inline_depths(text)
        children = mods.children(file)
        paths: list[tuple[int, list[str], bool]] = []
        use_spans = []
        for m in USE_RE.finditer(text):
            use_spans.append((m.start(), m.end()))
            for p in expand_use(m.group(1)):
                segs = [s for s in p.split("::") if s]
                if segs and (segs[0] in ("crate", "super", "self") or segs[0] in children):
                    paths.append((m.start(), segs, False))
        in_use = lambda pos: any(a <= pos < b for a, b in use_spans)  # noqa: E731
        for m in PATH_RE.finditer(text):
            if not in_use(m.start()):
                paths.append((m.start(), re.sub(r"\s+", "", m.group(1)).split("::"), True))
        if children:
            bare = re.compile(rf"(?<![A-Za-z0-9_:.])({'|'.join(sorted(children))})\s*::\s*({IDENT})")
            for m in bare.finditer(text):
                if not in_use(m.start()):
                    paths.append((m.start(), [m.group(1), m.group(2)], True))
        for pos, segs, code in paths:
            target, rest = mods.resolve(file, depth_at(points, pos), segs, code)
            if target is None or target == file:
                continue
            graph[file].add(target)
            if file in DB_VIA_STORE and target.startswith("store/"):
                if target in STORE_ITEM_FILES or (target == "store/mod.rs" and rest[:1] and rest[0] in STORE_ITEM_HELPERS):
                    special[(file, DYNAMODB)] += 1
        if file in DB_VIA_STORE:
            special[(file, DYNAMODB)] += len(DB_CRATE_RE.findall(text)) + len(CLIENT_CALL_RE.findall(text))
            if not special[(file, DYNAMODB)]:
                del special[(file, DYNAMODB)]
        if file.startswith("store/"):
            if count := len(CLIENT_WORDS_RE.findall(text)):
                special[(file, CLIENT_WORDS)] = count
    return graph, dict(special)


def sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one file."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(out, key=lambda c: (-len(c), c))


def violations(graph: dict[str, set[str]], special: dict[tuple[str, str], int]) -> set[str]:
    # Cycles through an edge up a layer are that edge's fault; a cycle within one layer is
    # the fault of each of its edges.
    within = {s: {d for d in ds if layer_of(d)[0] == layer_of(s)[0]} for s, ds in graph.items()}
    comp_of = {f: i for i, c in enumerate(sccs(within)) for f in c}
    out = set()
    for src, targets in graph.items():
        if src == "lib.rs":
            continue
        s_layer, s_rank = layer_of(src)
        for dst in targets:
            d_layer, d_rank = layer_of(dst)
            if dst == "lib.rs" or d_rank > s_rank:
                out.add(f"{src} -> {dst}")
            elif s_layer == d_layer == "endpoints" and not (src.endswith("mod.rs") or dst.endswith("mod.rs")):
                out.add(f"{src} -> {dst}")
            elif d_rank == s_rank and src in comp_of and comp_of.get(dst) == comp_of[src]:
                out.add(f"{src} -> {dst}")
    out.update(f"{a} -> {b}" for a, b in special)
    return out


def read_allowlist() -> set[str]:
    if not ALLOWLIST.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in ALLOWLIST.read_text().splitlines())
    return {re.sub(r"\s*->\s*", " -> ", line) for line in lines if line}


ALLOWLIST_HEADER = """\
# Today's debt against the layer rules of tools/check_layers.py (see its docstring and
# CONTRIBUTING.md, "Layers"): each line `from -> to` is an import, or a rule-only edge
# (`-> dynamodb`, `-> client-words`), that breaks a rule and is allowed for now.
# The check fails on a broken rule not listed here and on a listed line that no longer
# occurs: this list only shrinks. Fix a line, then delete it; never add one.
"""


def main() -> int:
    mods = Modules(SRC)
    graph, special = scan(mods)
    cycles = sccs(graph)
    found = violations(graph, special)
    edges = sum(len(t) for t in graph.values())
    print(f"check_layers: {len(mods.files)} files, {edges} edges between them, {len(cycles)} cycle(s)")
    for comp in cycles:
        print(f"  cycle of {len(comp)} files: {' '.join(comp)}")
    if "--write-allowlist" in sys.argv[1:]:
        ALLOWLIST.write_text(ALLOWLIST_HEADER + "".join(f"{v}\n" for v in sorted(found)))
        print(f"check_layers: wrote {len(found)} lines to {ALLOWLIST.relative_to(ROOT)}")
        return 0
    allowed = read_allowlist()
    new, gone = sorted(found - allowed), sorted(allowed - found)
    print(f"check_layers: {len(found)} broken rule(s), {len(allowed)} allowed as debt")
    for v in new:
        src, dst = v.split(" -> ")
        print(f"  NEW: {v}  ({layer_of(src)[0]} -> {layer_of(dst)[0] if dst.endswith('.rs') else dst})")
    for v in gone:
        print(f"  FIXED, delete it from {ALLOWLIST.relative_to(ROOT)}: {v}")
    if new or gone:
        return 1
    print("check_layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
