#!/usr/bin/env python3
"""Copy, from the google provider's full field list, only the resource types our modules use.

The full list (google-provider-fields.json, derived from hashicorp/terraform-provider-google's
_meta.yaml files) is not part of this repository; modcheck reads the extract this script writes
to tools/modcheck/testdata/google-provider-fields.json so checks work from a plain clone.
Re-run it after a module starts using a new google_* type:

    scripts/extract-google-fields.py PATH/TO/google-provider-fields.json
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tools/modcheck/testdata/google-provider-fields.json"
BLOCK = re.compile(r'^\s*(?:resource|data)\s+"(google_[a-z0-9_]+)"', re.MULTILINE)


def used_types():
    types = set()
    for tree in ("modules", "examples"):
        for path in (ROOT / tree).rglob("*.tf"):
            if ".terraform" not in path.parts:
                types.update(BLOCK.findall(path.read_text()))
    return types


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    full = json.loads(pathlib.Path(sys.argv[1]).read_text())
    used = used_types()
    missing = sorted(t for t in used if t not in full["resources"])
    if missing:
        print("not in the provider list (add them to the supplement file):", ", ".join(missing))
    extract = {
        "source": full["source"],
        "resources": {t: full["resources"][t] for t in sorted(used) if t in full["resources"]},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(extract, indent=0) + "\n")
    print(f"wrote {len(extract['resources'])} resource types to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
