"""``python -m benchmarks.summary OUT_DIR``: the JSON files of a run as one Markdown table (for BENCHMARKS.md)."""

from __future__ import annotations

import glob
import json
import os
import sys


def main(folder: str) -> int:
    lines = ["| section | variant | ms | speed vs own op | GB/s | of copy | check |", "|---|---|---|---|---|---|---|"]
    metas = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            data = json.load(f)
        metas.append((os.path.basename(path), data["meta"]))
        for r in data["rows"]:
            ms = "" if r["ms"] is None else f"{r['ms']:.3f}"
            gbps, share = r.get("gbps_share") or ("", "")
            check = (r["check"] + " " + r["note"]).strip()[:70]
            lines.append(f"| {r['section']} | {r['variant']} | {ms} | {r['ratio']} | {gbps} | {share} | {check} |")
    print("\n".join(lines))
    for name, meta in metas:
        keep = {k: v for k, v in meta.items() if k != "kernel SASS"}
        print(f"\n{name}: {json.dumps(keep, default=str)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
