"""Trims a discovery document to what the emulator's validator reads.

Descriptions and documentation links are dropped (they make compute.v1 ~10x
larger); every schema, parameter and method is kept. Output is sorted and
stable so re-running the vendoring script produces no diff.
"""
import json
import sys

DROP = {"description", "enumDescriptions", "documentationLink", "enumDeprecated", "icons"}


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    # Property names called "description" are real schema fields: only drop the
    # key where it holds prose, i.e. a string value.
    def strip(node):
        if isinstance(node, dict):
            return {
                k: strip(v)
                for k, v in node.items()
                if not (k in DROP and not isinstance(v, dict))
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    with open(dst, "w", encoding="utf-8") as f:
        json.dump(strip(doc), f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
