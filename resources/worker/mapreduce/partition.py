"""Keys: stable partitioning across reducers and a total order for sorting.

Python's built-in ``hash()`` of a str is salted per process (PYTHONHASHSEED),
so the original framework's ``hash(key) % reducers`` could send one key to
different reducers from different mapper processes once those stop being
forks of one parent. Here a key's partition is a CRC-32 of a canonical
encoding of the key: the same in every process, on every run and machine.
"""

import zlib


def canonical(key):
    """A process-independent form of a key that sorts in a total order.

    Equal keys get equal forms (1, 1.0 and True all become the int 1), and
    keys of different kinds sort by kind first (None, numbers, strings,
    bytes, tuples/lists, frozensets, anything else by repr) instead of
    raising TypeError.
    """
    if isinstance(key, str):
        return (2, key)
    if isinstance(key, (bool, int, float)):
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        return (1, int(key) if isinstance(key, bool) else key)
    if key is None:
        return (0,)
    if isinstance(key, bytes):
        return (3, key)
    if isinstance(key, (tuple, list)):
        return (4, tuple(canonical(k) for k in key))
    if isinstance(key, frozenset):
        # Set iteration order follows the salted hash; sort for stability.
        return (5, tuple(sorted(canonical(k) for k in key)))
    return (6, repr(key))


def partition_of(key, partitions):
    """The reducer (0 .. partitions-1) a key belongs to."""
    if isinstance(key, str):
        # The common case, kept cheap: no canonical tuple to build.
        data = key.encode("utf-8", "surrogatepass")
    else:
        data = repr(canonical(key)).encode("utf-8", "surrogatepass")
    return zlib.crc32(data) % partitions
