"""Release: the citable archive, its version number, the record kept in git, the diff between
two versions in words, and the check of an archive as received.

May import every stage before it: ``core``, ``package``, ``validate``, ``ingest``, ``analysis``.
"""
