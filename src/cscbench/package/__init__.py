"""Package: reading a data package safely, from a folder, a release zip or a URL.

The package boundary (every path checked before it is opened), the bounds on untrusted input, the
descriptor's own checks, each CSV read as text, and the Table Schemas. May import ``core`` only.
"""
