"""Print the README's "Two commands" — the ```bash blocks under that heading — each followed by a NUL byte.

CI runs exactly these (``mapfile -d ''``), so the README and the first CI leg cannot drift apart.
Standard library only: it runs on a machine with nothing installed.
"""
import re
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "README.md"
text = open(path, encoding="utf-8").read()
section = re.search(r"^## Two commands[^\n]*\n(.*?)(?=^## )", text, re.S | re.M)
if section is None:
    sys.exit(f"{path}: no '## Two commands' section")
blocks = re.findall(r"^```bash\n(.*?)^```", section.group(1), re.S | re.M)
if len(blocks) != 2:
    sys.exit(f"{path}: the 'Two commands' section has {len(blocks)} bash blocks, not 2")
for block in blocks:
    sys.stdout.write(block.strip() + "\0")
