"""Daily "on this date" digests: which articles a day holds, and posting them on time.

``select`` and ``plan`` are pure (a date and options in, articles out);
``timing`` turns local times and zones into due moments; ``delivery`` posts one
day's digest exactly once; ``schedule`` runs the jobs, rebuilt from the store.
Nothing here imports discord: a ``Poster`` from the glue does the sending.
"""
