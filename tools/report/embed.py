#!/usr/bin/env python3
"""embed.py IN OUT NAME - write IN's bytes as a C string constant NAME into OUT
(the HTML report's template, built into the tools that write reports)."""
import sys

src, out, name = sys.argv[1:4]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* generated from %s by embed.py: do not edit */\n' % src.split('/')[-1])
    f.write('#include <stddef.h>\n')
    f.write('const char %s[] =\n' % name)
    for i in range(0, len(data), 64):
        chunk = data[i:i + 64]
        f.write('\t"' + ''.join('\\%03o' % b if b < 32 or b > 126 or b in (34, 92, 63) else chr(b)
                                 for b in chunk) + '"\n')
    f.write(';\nconst size_t %s_len = %d;\n' % (name, len(data)))
