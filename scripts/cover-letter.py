#!/usr/bin/env python3
"""Fill git format-patch's cover letter template from patches/cover-letter.txt.

usage: cover-letter.py COVER.patch TEXT DATE

TEXT: first line is the subject, then a blank line, then the body.  The
cover letter's Date: header is set to DATE (the last commit's date) so that
exporting twice gives identical files.
"""
import re
import sys

cover, text, date = sys.argv[1], sys.argv[2], sys.argv[3]
with open(text) as f:
    lines = f.read().rstrip("\n").split("\n")
subject = lines[0].strip()
body = "\n".join(lines[2:]).rstrip("\n")
with open(cover) as f:
    c = f.read()
c = c.replace("*** SUBJECT HERE ***", subject, 1)
c = c.replace("*** BLURB HERE ***", body, 1)
c = re.sub(r"^Date: .*$", "Date: " + date, c, count=1, flags=re.M)
with open(cover, "w") as f:
    f.write(c)
