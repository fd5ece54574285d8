"""The HOT template engine: pure code (no database, no services, no request).

`parse` reads the text, `Template` checks its sections against its version, `functions`
evaluates the intrinsic functions through a `Resolver`, `parameters` checks the values given,
`deps` orders the resources. Every error is Heat's 400 with the path to the bad part.
"""
