"""Limits for reading untrusted files: JSON nesting, header sizes, declared array sizes.

A model file comes from anywhere. Whatever it declares (how deep its JSON nests, how large
its header or its arrays are) is checked against these limits and against the file's own
size before anything is parsed or allocated, so that a forged file costs no more memory
than its own bytes, and every refusal is a :class:`ModelFileError`, never a
``RecursionError`` or a ``MemoryError``.
"""

from __future__ import annotations

import json
import re

import numpy as np

from .errors import ModelFileError

__all__ = ["MAX_JSON_DEPTH", "MAX_HEADER_BYTES", "MAX_DEFLATE_RATIO", "json_depth",
           "parse_json"]

#: The deepest nesting of lists and objects accepted in a file's JSON. reseau writes at
#: most a dozen levels (an architecture of nested Sequentials); Python's json parser
#: recurses once per level and overflows the stack near 1,000.
MAX_JSON_DEPTH = 100

#: The largest JSON header accepted (safetensors' own limit: 100 MB).
MAX_HEADER_BYTES = 100_000_000

#: Deflate cannot expand data more than about 1032 times: a zip entry declaring more
#: is forged, and is refused before it is inflated.
MAX_DEFLATE_RATIO = 1032

# a JSON string, or an unterminated one up to the end: every quote starts a match that
# succeeds, so that stripping strings stays linear whatever the text (a pattern that can
# fail at each of many quotes, such as '"' followed by a thousand '\"', is quadratic)
_STRING = re.compile(rb'"(?:[^"\\]+|\\.|\\\Z)*(?:"|\Z)', re.DOTALL)


def json_depth(data: bytes) -> int:
    """How deeply the lists and objects of the JSON text ``data`` nest (brackets inside
    strings do not count), computed without parsing (so without recursion)."""
    codes = np.frombuffer(_STRING.sub(b"", data), dtype=np.uint8)
    steps = (np.isin(codes, (ord("["), ord("{"))).astype(np.int64)
             - np.isin(codes, (ord("]"), ord("}"))))
    return int(np.cumsum(steps).max(initial=0))


def parse_json(data, what: str, max_depth: int = MAX_JSON_DEPTH):
    """The value of the JSON text ``data`` (bytes or str) read from a file, or a
    :class:`ModelFileError` starting with ``what`` (which names the file and the part)
    when it is not UTF-8, not JSON, or nests deeper than ``max_depth``."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    depth = json_depth(data)
    if depth > max_depth:
        raise ModelFileError(f"{what} nests {depth:,} levels deep (at most {max_depth} are "
                             "read): the file is damaged or forged")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ModelFileError(f"{what} is not UTF-8 text ({err.reason} at byte "
                             f"{err.start}): the file is damaged") from None
    except (ValueError, RecursionError) as err:
        raise ModelFileError(f"{what} is not valid JSON ({err}): the file is damaged") from None
