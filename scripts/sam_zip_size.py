#!/usr/bin/env python3
"""The size of a function's bundle as `sam deploy` uploads it: the bootstrap zipped the way
SAM CLI zips it (samcli/lib/package/utils.py, make_zip_with_permissions: deflated, mode
0755, no timestamp, so 1980-01-01). Same bytes in, same zip out.

  scripts/sam_zip_size.py path/to/bootstrap [...]   prints each zip's size in bytes, a line each
"""
import io
import sys
import zipfile


def zipped_size(path):
    with open(path, "rb") as f:
        data = f.read()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("bootstrap")
        info.create_system = 3
        info.external_attr = 0o100755 << 16
        zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return len(buffer.getvalue())


for path in sys.argv[1:]:
    print(zipped_size(path))
