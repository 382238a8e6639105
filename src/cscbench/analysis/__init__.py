"""Analysis: load and compare, what an analyst calls (``cscbench.load``, ``cscbench.compare``,
``cscbench.find_area``, ``cscbench.latest_judgements``) and the grid the site tables.

Named ``analysis`` because a subpackage called ``load`` or ``compare`` would shadow the public
functions of those names. May import ``core``, ``package``, ``validate`` and ``ingest``.
"""
