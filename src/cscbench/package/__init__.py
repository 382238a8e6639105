"""Package: reading a data package safely, from a folder, a release zip or a URL.

The one reader (``reader``: the ``Package`` object), the package boundary (every path checked
before it is opened), the bounds on untrusted input, the descriptor's own checks, each CSV read as
text, the Table Schemas and their categories (labels, status symbols), and the CSV format the
package is written in. May import ``core`` only.
"""
