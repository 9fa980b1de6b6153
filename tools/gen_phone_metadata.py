"""Writes shared/src/domain/phone_metadata.rs from libphonenumber's PhoneNumberMetadata.xml.

From each territory of the metadata it keeps three things, and nothing of its patterns:

- its calling code (`countryCode`);
- its trunk prefixes, the national prefix a national number may start with: the prefixes
  `nationalPrefixForParsing` spells out when it is a plain choice of digit strings (like GB's
  `0|180020`, LT's `[08]`, BY's `0|80?`), else `nationalPrefix` alone (a pattern with groups,
  `\\d` or `$` rewrites numbers, which a prefix table cannot do);
- the possible lengths of its national significant numbers: the union of the `national`
  lengths of its number types (fixedLine, mobile, tollFree, ...), as libphonenumber's own
  build computes its general description; `noInternationalDialling` and `localOnly` lengths
  are left out.

And per calling code: its main region (the only one, or the one marked `mainCountryForCode`;
none for the non-geographic codes like 800), and the lengths a number of that code has when
no region is said: its main region's (the region such a number is stored under; this is what
libphonenumber's isPossibleNumber checks too), or a non-geographic code's own. The union of
the lengths of all the regions of a code is the same for every code but 1, where CA adds 7
digits for its 310-xxxx numbers, which would let `+1 555 0000` through.

The metadata is read from the phonenumber crate in the cargo registry (the newest
~/.cargo/registry/src/*/phonenumber-*/assets/PhoneNumberMetadata.xml; `cargo fetch` of a
crate depending on phonenumber puts it there), or from `--xml PATH`.

    python3 tools/gen_phone_metadata.py            # rewrites the Rust file
    python3 tools/gen_phone_metadata.py --check    # exit 1 if it is not what this writes

`--check` exits 77 (skipped) when no metadata is found. Python 3.11, standard library only.
"""

import argparse
import glob
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "shared" / "src" / "domain" / "phone_metadata.rs"
SKIPPED = 77

# The number types whose lengths make up a region's possible lengths (all but
# noInternationalDialling, which has no number type of its own).
NUMBER_TYPES = (
    "fixedLine",
    "mobile",
    "pager",
    "tollFree",
    "premiumRate",
    "sharedCost",
    "personalNumber",
    "voip",
    "uan",
    "voicemail",
)


def find_xml() -> Path | None:
    cargo_home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    found = glob.glob(str(cargo_home / "registry" / "src" / "*" / "phonenumber-*" / "assets" / "PhoneNumberMetadata.xml"))

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name.removeprefix("phonenumber-")
        return tuple(int(n) for n in re.findall(r"\d+", name))

    return Path(max(found, key=version)) if found else None


def source_label(xml: Path) -> str:
    crate = xml.parent.parent.name
    m = re.fullmatch(r"phonenumber-(\d+\.\d+\.\d+)\+(\d+\.\d+\.\d+)", crate)
    if m:
        return f"libphonenumber {m.group(2)}, from the phonenumber crate {m.group(1)}+{m.group(2)}"
    return xml.name


def lengths_of(spec: str) -> set[int]:
    """`7,9,[11-13]` -> {7, 9, 11, 12, 13}; `-1` (no numbers of the type) -> {}."""
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if part == "-1":
            continue
        m = re.fullmatch(r"\[(\d+)-(\d+)\]", part)
        if m:
            out.update(range(int(m.group(1)), int(m.group(2)) + 1))
        elif part.isdigit():
            out.add(int(part))
        else:
            raise ValueError(f"possible lengths {spec!r}")
    return out


def literal_prefixes(pattern: str) -> list[str] | None:
    """The digit strings a pattern made only of digits, digit classes (`[08]`, `[2-4]`), `?`
    after one of those, and `|` at the top level can match; None for any other pattern."""
    pattern = re.sub(r"\s+", "", pattern)
    out: list[str] = []
    for alternative in pattern.split("|"):
        tokens = re.findall(r"(\d|\[[\d-]+\])(\??)|(.)", alternative)
        strings = [""]
        for atom, optional, other in tokens:
            if other:
                return None
            if atom.startswith("["):
                digits = set()
                for a, b in re.findall(r"(\d)(?:-(\d))?", atom[1:-1]):
                    digits.update(str(d) for d in range(int(a), int(b or a) + 1))
            else:
                digits = {atom}
            choices = sorted(digits) + ([""] if optional else [])
            strings = [s + c for s in strings for c in choices]
        out.extend(s for s in strings if s)
    return out or None


def trunk_prefixes(attrib: dict[str, str]) -> list[str]:
    parsing = attrib.get("nationalPrefixForParsing")
    prefixes = literal_prefixes(parsing) if parsing else None
    if prefixes is None:
        prefixes = [attrib["nationalPrefix"]] if "nationalPrefix" in attrib else []
    # Longest first: the longest one a number starts with is the one stripped.
    return sorted(set(prefixes), key=lambda p: (-len(p), p))


def license_notice(text: str) -> str:
    m = re.search(r"Copyright \(C\).*?limitations under the License\.", text, re.S)
    if not m:
        raise ValueError("no license notice at the top of the metadata")
    return "\n".join(line.strip() for line in m.group(0).splitlines())


def list_literal(lengths: set[int]) -> str:
    return "&[" + ", ".join(str(n) for n in sorted(lengths)) + "]"


def generate(xml: Path) -> str:
    raw = xml.read_bytes()
    text = raw.decode("utf-8")
    territories = ET.fromstring(raw).find("territories")
    regions = {}
    codes: dict[int, dict] = {}
    for territory in territories.findall("territory"):
        attrib = territory.attrib
        code = int(attrib["countryCode"])
        lengths: set[int] = set()
        for kind in NUMBER_TYPES:
            desc = territory.find(kind)
            if desc is not None and desc.find("possibleLengths") is not None:
                lengths |= lengths_of(desc.find("possibleLengths").attrib["national"])
        if not lengths or max(lengths) > 31:
            raise ValueError(f"{attrib['id']} +{code}: lengths {sorted(lengths)}")
        entry = codes.setdefault(code, {"regions": [], "main": None, "lengths": set()})
        entry["lengths"] |= lengths
        region = attrib["id"]
        if region == "001":  # a non-geographic calling code, no region
            continue
        if not re.fullmatch(r"[A-Z]{2}", region) or region in regions:
            raise ValueError(f"region {region!r}")
        regions[region] = (code, lengths, trunk_prefixes(attrib))
        entry["regions"].append(region)
        if attrib.get("mainCountryForCode") == "true":
            entry["main"] = region
    for code, entry in codes.items():
        if entry["main"] is None and len(entry["regions"]) == 1:
            entry["main"] = entry["regions"][0]
        if entry["main"] is None and entry["regions"]:
            raise ValueError(f"+{code} is shared by {entry['regions']} and none is its main region")
        if entry["main"] is not None:
            entry["lengths"] = regions[entry["main"]][1]

    notice = [f"//! {line}".rstrip() for line in license_notice(text).splitlines()]
    out = [
        "//! Per region: its calling code, trunk prefixes and the possible lengths of its national",
        "//! significant numbers; per calling code: its main region and possible lengths. Read by",
        "//! `phone.rs`. No patterns, nothing loaded at run time.",
        "//!",
        "//! GENERATED by tools/gen_phone_metadata.py: do not edit. To regenerate, run",
        "//! `python3 tools/gen_phone_metadata.py` (`--check` tells whether this file is current; a",
        "//! unit test in phone.rs runs it when python3 and the metadata are found). It reads the",
        "//! phonenumber crate's assets/PhoneNumberMetadata.xml from the cargo registry (or",
        "//! `--xml PATH`); to update, fetch a newer phonenumber crate (or libphonenumber's",
        "//! resources/PhoneNumberMetadata.xml) and run it again.",
        "//!",
        f"//! Source: PhoneNumberMetadata.xml of {source_label(xml)}",
        f"//! (sha256 {hashlib.sha256(raw).hexdigest()}).",
        "//!",
        "//! The data below is derived from that file (only the values listed above are kept), under",
        "//! its license:",
        "//!",
        *notice,
        "",
        "/// A region (ISO 3166-1 alpha-2 code) of the metadata.",
        "pub struct Region {",
        "    pub id: [u8; 2],",
        "    pub calling_code: u16,",
        "    /// Bit `n` set: a national significant number of `n` digits is possible.",
        "    pub lengths: u32,",
        "    /// The prefixes a national number may start with that are not part of it, longest first.",
        "    pub trunk_prefixes: &'static [&'static str],",
        "}",
        "",
        "/// A calling code.",
        "pub struct CallingCode {",
        "    pub code: u16,",
        "    /// The region an E.164 number of this code is given when none is said; `None` for the",
        "    /// non-geographic codes (800, 808, 870, ...).",
        "    pub main_region: Option<[u8; 2]>,",
        "    /// The lengths of a number of this code whose region is not said (bit `n`: `n` digits):",
        "    /// its main region's, or for a non-geographic code its own.",
        "    pub lengths: u32,",
        "}",
        "",
        "const fn mask(lengths: &[u32]) -> u32 {",
        "    let mut mask = 0;",
        "    let mut i = 0;",
        "    while i < lengths.len() {",
        "        mask |= 1 << lengths[i];",
        "        i += 1;",
        "    }",
        "    mask",
        "}",
        "",
        "const fn id(region: &str) -> [u8; 2] {",
        "    [region.as_bytes()[0], region.as_bytes()[1]]",
        "}",
        "",
        "const fn r(region: &str, calling_code: u16, lengths: &[u32], trunk_prefixes: &'static [&'static str]) -> Region {",
        "    Region {",
        "        id: id(region),",
        "        calling_code,",
        "        lengths: mask(lengths),",
        "        trunk_prefixes,",
        "    }",
        "}",
        "",
        "const fn c(code: u16, main_region: Option<&str>, lengths: &[u32]) -> CallingCode {",
        "    let main_region = match main_region {",
        "        Some(region) => Some(id(region)),",
        "        None => None,",
        "    };",
        "    CallingCode {",
        "        code,",
        "        main_region,",
        "        lengths: mask(lengths),",
        "    }",
        "}",
        "",
        "/// Sorted by id.",
        "#[rustfmt::skip]",
        f"pub static REGIONS: [Region; {len(regions)}] = [",
    ]
    for region in sorted(regions):
        code, lengths, prefixes = regions[region]
        trunk = "&[" + ", ".join(f'"{p}"' for p in prefixes) + "]"
        out.append(f'    r("{region}", {code}, {list_literal(lengths)}, {trunk}),')
    out += [
        "];",
        "",
        "/// Sorted by code.",
        "#[rustfmt::skip]",
        f"pub static CALLING_CODES: [CallingCode; {len(codes)}] = [",
    ]
    for code in sorted(codes):
        entry = codes[code]
        main = f'Some("{entry["main"]}")' if entry["main"] else "None"
        out.append(f"    c({code}, {main}, {list_literal(entry['lengths'])}),")
    out += ["];", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xml", type=Path, help="PhoneNumberMetadata.xml (default: the newest in the cargo registry)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the Rust file is not current")
    args = parser.parse_args()
    xml = args.xml or find_xml()
    if xml is None:
        print("no phonenumber-*/assets/PhoneNumberMetadata.xml in the cargo registry; pass --xml", file=sys.stderr)
        return SKIPPED if args.check else 2
    generated = generate(xml)
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != generated:
            print(f"{OUTPUT.relative_to(ROOT)} is not what {xml} gives: run tools/gen_phone_metadata.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(generated)
    print(f"wrote {OUTPUT.relative_to(ROOT)} from {xml}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
