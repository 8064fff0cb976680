#!/usr/bin/env bash
# Fails when a relative link of README.md or docs/*.md names a file or folder that does not
# exist (an anchor after `#` is not checked; http(s) and mailto links are not followed). Code
# blocks and inline code are skipped: they hold Rust and shell, not links.
#
#   bash scripts/check-links.sh
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - README.md docs/*.md <<'PY'
import os, re, sys

link = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
missing = []
checked = 0
for doc in sys.argv[1:]:
    fenced = False
    for number, line in enumerate(open(doc, encoding="utf-8"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        text = re.sub(r"`[^`]*`", "", line)
        for target in link.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0]
            checked += 1
            if not os.path.exists(os.path.join(os.path.dirname(doc), path)):
                missing.append(f"{doc}:{number}: {target}")
for m in missing:
    print(f"dangling link: {m}", file=sys.stderr)
if missing:
    sys.exit(1)
print(f"check-links: {checked} relative links in {len(sys.argv) - 1} files resolve")
PY
